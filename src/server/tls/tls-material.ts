import { readFileSync } from 'node:fs';
import type { Settings } from '../../settings.js';
import { certificateNames } from './served-hosts.js';

/** The certificate HTTPS and the proxy present, and where the CA clients should trust is. */
export interface TlsMaterial {
  certPem: string;
  keyPem: string;
  /** The local CA's certificate file (development, no certificate given); undefined otherwise. */
  caCertPath: string | undefined;
  /** The names the certificate was issued for (the local CA's); undefined for a given certificate. */
  names: string[] | undefined;
}

function readPem(setting: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${setting}: cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * The operator's certificate when one is given; otherwise (development only, `settings.ts`
 * refuses production) a certificate from the data folder's local CA, issued at each start
 * for the names Switchboard serves. The X.509 library is imported here, on this path only.
 */
export async function loadTlsMaterial(
  settings: Pick<Settings, 'tls' | 'baseDomain' | 'publicUrl' | 'dataDir'>,
): Promise<TlsMaterial> {
  const { certFile, keyFile } = settings.tls;
  if (certFile !== undefined && keyFile !== undefined) {
    return {
      certPem: readPem('SWITCHBOARD_TLS_CERT', certFile),
      keyPem: readPem('SWITCHBOARD_TLS_KEY', keyFile),
      caCertPath: undefined,
      names: undefined,
    };
  }
  const { ensureLocalCa, issueServerCertificate } = await import('./local-ca.js');
  const ca = await ensureLocalCa(settings.dataDir);
  const names = certificateNames(settings);
  const issued = await issueServerCertificate(ca, names);
  return { ...issued, caCertPath: ca.certPath, names };
}

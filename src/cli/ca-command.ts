import type { Settings } from '../settings.js';
import { UsageError } from './commands.js';

/**
 * `switchboard ca [--pem]`: the local development CA's certificate path (created on first
 * use, as `serve` with `SWITCHBOARD_TLS=on` would), or with `--pem` the certificate itself,
 * for `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`, `NODE_EXTRA_CA_CERTS` or `curl --cacert`.
 * Never the key.
 */
export async function caCommand(settings: Settings, flags: { pem?: boolean }): Promise<void> {
  if (settings.mode === 'production') {
    throw new UsageError('Production mode has no local CA: HTTPS uses the certificate given in SWITCHBOARD_TLS_CERT');
  }
  // The X.509 library, loaded for this command only.
  const { ensureLocalCa } = await import('../server/tls/local-ca.js');
  const ca = await ensureLocalCa(settings.dataDir);
  process.stdout.write(flags.pem ? ca.certPem : `${ca.certPath}\n`);
}

import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

// The development certificate authority. Only `tls-material.ts` imports this module, and
// only when TLS is on without a given certificate: @peculiar/x509 (and its ASN.1 stack) is
// never loaded otherwise. Why @peculiar/x509: it is maintained, builds X.509 on WebCrypto
// (Node's own crypto makes and holds the keys), handles EC P-256 on Node 20, and needs no
// native build or OpenSSL binary; the 1.x line brings its reflect-metadata polyfill itself.

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const dayMs = 86_400_000;

/** The local CA: its certificate (public) and its private key, kept in the data folder. */
export interface LocalCa {
  /** Absolute path of the CA certificate: what clients are told to trust. */
  certPath: string;
  certPem: string;
  cert: x509.X509Certificate;
  key: CryptoKey;
}

/** A certificate and its private key, both PEM: what `tls.createSecureContext` takes. */
export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

/** Where the CA lives: `{dataDir}/tls/`. The key file is mode 0600, its folder 0700. */
export function localCaPaths(dataDir: string): { dir: string; certPath: string; keyPath: string } {
  const dir = resolve(dataDir, 'tls');
  return { dir, certPath: join(dir, 'ca.pem'), keyPath: join(dir, 'ca-key.pem') };
}

function pemOf(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${base64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/** A positive 128-bit serial number, hex. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The data folder's CA, created on first use: an EC P-256 key (mode 0600, written before
 * the certificate so that a crash leaves no certificate without its key) and a
 * self-signed certificate valid for ten years.
 */
export async function ensureLocalCa(dataDir: string, now: Date = new Date()): Promise<LocalCa> {
  const { dir, certPath, keyPath } = localCaPaths(dataDir);
  const existing = await readLocalCa(certPath, keyPath);
  if (existing) return existing;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair;
  const keyPem = pemOf('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  try {
    // 'wx': of two processes making the CA at once (`serve` and `switchboard ca`), one wins.
    writeFileSync(keyPath, keyPem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process is writing the certificate; a key left alone by a crash is replaced.
    for (let i = 0; i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const made = await readLocalCa(certPath, keyPath);
      if (made) return made;
    }
    writeFileSync(keyPath, keyPem, { mode: 0o600 });
  }
  chmodSync(keyPath, 0o600);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=Switchboard local development CA (${hostname().replace(/[,+=\\"<>;#]/g, '')})`,
    notBefore: new Date(now.getTime() - dayMs),
    notAfter: new Date(now.getTime() + 3650 * dayMs),
    signingAlgorithm: ecdsa,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem') + '\n';
  // Written whole, then renamed: a reader never sees half a certificate.
  writeFileSync(`${certPath}.${process.pid}.tmp`, certPem, { mode: 0o644 });
  renameSync(`${certPath}.${process.pid}.tmp`, certPath);
  return { certPath, certPem, cert, key: keys.privateKey };
}

async function readLocalCa(certPath: string, keyPath: string): Promise<LocalCa | undefined> {
  const keyPem = readIfPresent(keyPath);
  const certPem = readIfPresent(certPath);
  if (keyPem === undefined || certPem === undefined) return undefined;
  const key = await webcrypto.subtle.importKey('pkcs8', derOf(keyPem), ecdsa, false, ['sign']);
  return { certPath, certPem, cert: new x509.X509Certificate(certPem), key };
}

/**
 * A server certificate from the CA for `names` (DNS names, `*.` wildcards, IP literals),
 * valid for a year. Its key is new each time and never written to disk: `serve` issues
 * one at each start.
 */
export async function issueServerCertificate(
  ca: LocalCa,
  names: readonly string[],
  now: Date = new Date(),
): Promise<IssuedCertificate> {
  const keys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${names[0] ?? 'localhost'}`,
    issuer: ca.cert.subject,
    notBefore: new Date(now.getTime() - 3_600_000),
    notAfter: new Date(now.getTime() + 365 * dayMs),
    signingAlgorithm: ecdsa,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((name) => (isIP(name) ? { type: 'ip', value: name } : { type: 'dns', value: name })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  // The chain a client needs beyond its trusted CA: the leaf alone (the CA is the root).
  return { certPem: cert.toString('pem') + '\n', keyPem: pemOf('PRIVATE KEY', pkcs8) };
}

/** `SWITCHBOARD_TLS*`, `SWITCHBOARD_HTTPS_PORT`, `SWITCHBOARD_PROXY_*`. */
export interface TlsSettings {
  /** Serve HTTPS: `SWITCHBOARD_TLS=on`, or a certificate given. */
  enabled: boolean;
  /** The operator's certificate (PEM, chain included) and key; unset: the local CA's (development only). */
  certFile: string | undefined;
  keyFile: string | undefined;
  /** Where HTTPS listens (on the same host as HTTP). */
  httpsPort: number;
  /** The forward proxy for the vendor's host names; undefined: none. */
  proxyPort: number | undefined;
  /** Host names the proxy tunnels to as a plain TCP relay (development only). */
  proxyPassthrough: string[];
}

type IntegerSetting = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => number;

/** The settings from the environment; `integer` is settings.ts's parser (clear errors, bounds). */
export function tlsSettings(
  env: Record<string, string | undefined>,
  mode: 'development' | 'production',
  integer: IntegerSetting,
): TlsSettings {
  const flag = env.SWITCHBOARD_TLS ?? '';
  if (flag !== '' && flag !== 'on' && flag !== 'off') {
    throw new Error(`SWITCHBOARD_TLS must be "on" or "off"; got "${flag}"`);
  }
  const certFile = env.SWITCHBOARD_TLS_CERT || undefined;
  const keyFile = env.SWITCHBOARD_TLS_KEY || undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new Error('SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY go together: set both (PEM files) or neither');
  }
  const enabled = flag === 'on' || (flag !== 'off' && certFile !== undefined);
  // A CA generated on each node would differ between nodes: production brings its certificate.
  if (enabled && mode === 'production' && certFile === undefined) {
    throw new Error(
      'HTTPS in production needs a certificate: set SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY ' +
        '(the local CA is for development only: each node would make its own)',
    );
  }
  const proxyRaw = env.SWITCHBOARD_PROXY_PORT;
  const proxyPort =
    proxyRaw === undefined || proxyRaw === '' ? undefined : integer('SWITCHBOARD_PROXY_PORT', proxyRaw, 0, 0, 65535);
  if (proxyPort !== undefined && !enabled) {
    throw new Error(
      "SWITCHBOARD_PROXY_PORT terminates TLS for the vendor's host names: turn HTTPS on too " +
        '(SWITCHBOARD_TLS=on, or SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY)',
    );
  }
  const proxyPassthrough = (env.SWITCHBOARD_PROXY_PASSTHROUGH ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const host of proxyPassthrough) {
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) {
      throw new Error(`SWITCHBOARD_PROXY_PASSTHROUGH takes host names separated by commas; "${host}" is not one`);
    }
  }
  if (proxyPassthrough.length > 0 && mode === 'production') {
    throw new Error('SWITCHBOARD_PROXY_PASSTHROUGH is for development only: unset it in production');
  }
  return {
    enabled,
    certFile,
    keyFile,
    httpsPort: integer('SWITCHBOARD_HTTPS_PORT', env.SWITCHBOARD_HTTPS_PORT, 3443, 0, 65535),
    proxyPort,
    proxyPassthrough,
  };
}

/**
 * A self-signed certificate for 127.0.0.1, 127.0.0.2 and localhost, valid until 2126, so
 * production-mode tests (https only) can run against loopback servers. Test use only:
 * the key is public. Regenerate with:
 *
 *     openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
 *       -keyout key.pem -out cert.pem -days 36500 -subj "/CN=switchboard-test" \
 *       -addext "subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost"
 */
/** Trust this (as `extraCa`) to accept the test servers. */
export const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBsDCCAVWgAwIBAgIUPsKqcHBcTRTy3Q6BCl7X4Yd2MqAwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQc3dpdGNoYm9hcmQtdGVzdDAgFw0yNjExMjIwNDA5NTFaGA8y
MTI2MTAyOTA0MDk1MVowGzEZMBcGA1UEAwwQc3dpdGNoYm9hcmQtdGVzdDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABGWaywRRhCySShtWDbayLA/Nkg/3GAnN6ADS
ni58J2MXzcyvHOdDoE75irNtvG1ZSoP9ZA7jrFcTE6kll4EHDrijdTBzMB0GA1Ud
DgQWBBTOIzsp+vP62DQVlqzw8FE+O6NvNzAfBgNVHSMEGDAWgBTOIzsp+vP62DQV
lqzw8FE+O6NvNzAPBgNVHRMBAf8EBTADAQH/MCAGA1UdEQQZMBeHBH8AAAGHBH8A
AAKCCWxvY2FsaG9zdDAKBggqhkjOPQQDAgNJADBGAiEAi5NFnY6mIPAeIUxBMOCm
nkwyjPO1Sy9OjGQqZaqLZGwCIQC3X1KiKaQ5LJVnH43146lmpFCGfvfXTQtSPc8i
fXXzHQ==
-----END CERTIFICATE-----
`;

/** The private key of {@link TEST_CERT}. */
export const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJL2ZpVtY+jVNWuqc
6Cy9zI3hp2ukvcxa+l2AU/FMy+ShRANCAARlmssEUYQskkobVg22siwPzZIP9xgJ
zegA0p4ufCdjF83MrxznQ6BO+YqzbbxtWUqD/WQO46xXExOpJZeBBw64
-----END PRIVATE KEY-----
`;

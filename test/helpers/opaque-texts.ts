/**
 * Opaque metadata and state that must come back byte for byte, from the store, the API and
 * a backup alike. None holds U+0000 (PostgreSQL text cannot), and none is longer than the
 * 5000 characters the protocol allows.
 */
export const opaqueTexts: Record<string, string> = {
  empty: '',
  json: '{"instagram_username":"omniwear","token":"xyzabc","n":1.50,"nested":{"list":[1,2.50,"\\u00e9"],"n":null},"spaced" :  true}',
  yaml: 'account: omniwear\ntoken: "xyz"\nlist:\n  - a\n  - "two"\n# comment\n',
  xml: '<?xml version="1.0"?><settings a="1">&amp; <b>x</b><![CDATA[<raw> & stuff]]></settings>',
  // Every byte value, so no encoding step may touch it.
  base64: Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256)).toString('base64'),
  emoji: 'naïve café — Grüße, 日本語, עברית 🎉👩‍👩‍👧 and \u00e9 vs e\u0301 \u00a0\u2028 trailing  ',
  whitespace: '  leading\ttabs\r\nCRLF and trailing  ',
  backslashes: String.raw`C:\path\to\file "quoted" \u0041 \n`,
  exactly5000: 'é'.repeat(4998) + '🎉\n',
  ascii5000: 'x'.repeat(4999) + 'y',
  // 5000 characters, 10 000 UTF-16 code units.
  emoji5000: '😀'.repeat(5000),
};

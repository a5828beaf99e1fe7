/** Shared builders for the protocol tests: valid inputs that a case then breaks in one place. */

/** A valid external resource with every optional key set, as JSON would deliver it. */
export function fullResource(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    external_id: 'msg-1',
    message: 'Hello',
    html_message: '<p>Hello</p>',
    internal_note: false,
    thread_id: 'thread-1',
    created_at: '2015-09-08T22:48:09Z',
    author: {
      external_id: 'user-1',
      name: 'Ada',
      image_url: 'https://example.com/ada.png',
      locale: 'en-US',
      fields: [{ id: 'notes', value: 'VIP' }],
    },
    display_info: [{ type: 'urn:example:hint', data: { color: 'red' } }],
    allow_channelback: true,
    fields: [
      { id: 'subject', value: 'Hi' },
      { id: 360001, value: ['a', 'b'] },
    ],
    file_urls: ['https://example.com/a.png'],
    ...overrides,
  };
}

/** A valid external resource with only the required keys. */
export function minimalResource(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    external_id: 'msg-1',
    message: 'Hello',
    created_at: '2015-09-08T22:48:09Z',
    author: { external_id: 'user-1' },
    ...overrides,
  };
}

/** `n` characters of `unit` (a single code point, possibly outside the BMP). */
export function chars(n: number, unit = 'a'): string {
  return unit.repeat(n);
}

/** `n` distinct valid minimal resources. */
export function resources(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => minimalResource({ external_id: `msg-${i}` }));
}

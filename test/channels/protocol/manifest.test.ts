import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../../src/channels/protocol/manifest.js';
import { chars } from './fixtures.js';

const manifestUrl = 'https://integration.example.com/channel/manifest.json';

const manifest = (overrides: Record<string, unknown> = {}, urls: Record<string, unknown> = {}) => ({
  name: 'Example channel',
  id: 'com.example.channel',
  urls: { admin_ui: './admin_ui', ...urls },
  ...overrides,
});

const cases: { name: string; input: unknown; problems?: string[] }[] = [
  { name: 'minimal', input: manifest() },
  {
    name: 'every key',
    input: manifest(
      {
        version: '1.0.0',
        author: 'Example Inc.',
        push_client_id: 'zd_example',
        channelback_files: true,
        create_followup_tickets: false,
      },
      {
        pull_url: './pull',
        channelback_url: './channelback',
        clickthrough_url: './clickthrough',
        healthcheck_url: './health',
        about_url: 'https://example.com/about',
        dashboard_url: '/dashboard',
        event_callback_url: 'http://integration.example.com/events',
      },
    ),
  },
  { name: 'unknown keys ignored', input: manifest({ future: 1 }, { future_url: 'javascript:alert(1)' }) },
  { name: 'body array', input: [], problems: ['(manifest): must be a JSON object; got an array'] },

  { name: 'name missing', input: manifest({ name: undefined }), problems: ['name: is required'] },
  { name: 'name 255', input: manifest({ name: chars(255) }) },
  { name: 'name 256', input: manifest({ name: chars(256) }), problems: ['name: must be 1–255 characters; got 256'] },
  { name: 'name empty', input: manifest({ name: '' }), problems: ['name: must be 1–255 characters; got 0'] },
  { name: 'id missing', input: manifest({ id: undefined }), problems: ['id: is required'] },
  { name: 'id 511', input: manifest({ id: chars(511) }) },
  { name: 'id 512', input: manifest({ id: chars(512) }), problems: ['id: must be 1–511 characters; got 512'] },
  { name: 'version 255', input: manifest({ version: chars(255) }) },
  {
    name: 'version 256',
    input: manifest({ version: chars(256) }),
    problems: ['version: must be 1–255 characters; got 256'],
  },
  { name: 'version number', input: manifest({ version: 1 }), problems: ['version: must be a string; got number 1'] },
  { name: 'author 255', input: manifest({ author: chars(255) }) },
  {
    name: 'author 256',
    input: manifest({ author: chars(256) }),
    problems: ['author: must be 1–255 characters; got 256'],
  },
  { name: 'push_client_id 128', input: manifest({ push_client_id: chars(128) }) },
  {
    name: 'push_client_id 129',
    input: manifest({ push_client_id: chars(129) }),
    problems: ['push_client_id: must be 1–128 characters; got 129'],
  },
  {
    name: 'push_client_id empty',
    input: manifest({ push_client_id: '' }),
    problems: ['push_client_id: must be 1–128 characters; got 0'],
  },
  {
    name: 'channelback_files string',
    input: manifest({ channelback_files: 'true' }),
    problems: ['channelback_files: must be true or false; got a string'],
  },
  {
    name: 'create_followup_tickets number',
    input: manifest({ create_followup_tickets: 1 }),
    problems: ['create_followup_tickets: must be true or false; got number 1'],
  },

  { name: 'urls missing', input: manifest({ urls: undefined }), problems: ['urls: is required'] },
  { name: 'urls string', input: manifest({ urls: 'x' }), problems: ['urls: must be a JSON object; got a string'] },
  {
    name: 'admin_ui missing',
    input: manifest({ urls: { pull_url: './pull' } }),
    problems: ['urls.admin_ui: is required'],
  },
  {
    name: 'admin_ui null',
    input: manifest({ urls: { admin_ui: null } }),
    problems: ['urls.admin_ui: must be a string; got null'],
  },
  {
    name: 'admin_ui empty',
    input: manifest({}, { admin_ui: '' }),
    problems: ['urls.admin_ui: must be 1–511 characters; got 0'],
  },
  { name: 'url 511 as written', input: manifest({}, { pull_url: `./${chars(509)}` }) },
  {
    name: 'url 512 as written',
    input: manifest({}, { pull_url: `./${chars(510)}` }),
    problems: ['urls.pull_url: must be 1–511 characters; got 512'],
  },
  {
    name: 'javascript: URL',
    input: manifest({}, { admin_ui: 'javascript:alert(1)' }),
    problems: ['urls.admin_ui: must be an http or https URL; got scheme "javascript"'],
  },
  {
    name: 'ftp URL',
    input: manifest({}, { healthcheck_url: 'ftp://example.com/health' }),
    problems: ['urls.healthcheck_url: must be an http or https URL; got scheme "ftp"'],
  },
  {
    name: 'unparseable URL',
    input: manifest({}, { pull_url: 'https://exa mple.com/' }),
    problems: [
      'urls.pull_url: is not a valid URL, absolute or relative to the manifest URL; got "https://exa mple.com/"',
    ],
  },
  {
    name: 'several problems at once',
    input: { name: '', urls: { admin_ui: 'data:text/html,x', pull_url: 7 } },
    problems: [
      'name: must be 1–255 characters; got 0',
      'id: is required',
      'urls.admin_ui: must be an http or https URL; got scheme "data"',
      'urls.pull_url: must be a string; got number 7',
    ],
  },
];

describe('validateManifest', () => {
  it.each(cases)('$name', ({ input, problems }) => {
    const result = validateManifest(input, manifestUrl);
    if (problems === undefined) expect(result).toMatchObject({ ok: true });
    else expect(result).toMatchObject({ ok: false, problems });
  });

  it('resolves relative URLs against the manifest URL and reports each scheme', () => {
    const result = validateManifest(
      manifest(
        { extra: 'dropped' },
        {
          pull_url: 'pull',
          channelback_url: '../cb',
          dashboard_url: '/dash?x=1',
          event_callback_url: 'http://events.example.com/e',
          clickthrough_url: '//other.example.com/ct',
        },
      ),
      manifestUrl,
    );
    expect(result).toEqual({
      ok: true,
      manifest: {
        name: 'Example channel',
        id: 'com.example.channel',
        urls: {
          admin_ui: {
            href: 'https://integration.example.com/channel/admin_ui',
            scheme: 'https',
            written: './admin_ui',
          },
          pull_url: { href: 'https://integration.example.com/channel/pull', scheme: 'https', written: 'pull' },
          channelback_url: { href: 'https://integration.example.com/cb', scheme: 'https', written: '../cb' },
          dashboard_url: { href: 'https://integration.example.com/dash?x=1', scheme: 'https', written: '/dash?x=1' },
          event_callback_url: {
            href: 'http://events.example.com/e',
            scheme: 'http',
            written: 'http://events.example.com/e',
          },
          clickthrough_url: {
            href: 'https://other.example.com/ct',
            scheme: 'https',
            written: '//other.example.com/ct',
          },
        },
      },
    });
  });

  it('keeps an http manifest URL and its relative URLs as http', () => {
    const result = validateManifest(manifest(), 'http://localhost:3000/manifest.json');
    expect(result).toMatchObject({
      ok: true,
      manifest: { urls: { admin_ui: { href: 'http://localhost:3000/admin_ui', scheme: 'http' } } },
    });
  });

  it('treats null optional keys as absent and drops unknown urls keys', () => {
    const result = validateManifest(
      manifest({ version: null, push_client_id: null }, { pull_url: null, x_url: './x' }),
      manifestUrl,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.manifest)).toEqual(['name', 'id', 'urls']);
    expect(Object.keys(result.manifest.urls)).toEqual(['admin_ui']);
  });

  it.each(['not a url', '/relative/manifest.json', 'file:///etc/manifest.json', ''])(
    'refuses the manifest URL %j',
    (bad) => {
      const result = validateManifest(manifest(), bad);
      expect(result).toMatchObject({
        ok: false,
        problems: [`(manifest URL): must be an absolute http or https URL; got ${JSON.stringify(bad)}`],
      });
    },
  );
});

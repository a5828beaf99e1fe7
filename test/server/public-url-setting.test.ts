import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';

describe('SWITCHBOARD_PUBLIC_URL', () => {
  it.each([
    ['https://switchboard.example.com', 'https://switchboard.example.com'],
    ['https://switchboard.example.com/', 'https://switchboard.example.com'],
    ['http://10.0.0.5:8080', 'http://10.0.0.5:8080'],
    ['', undefined],
  ])('takes %j as %j', (raw, expected) => {
    expect(loadSettings({ SWITCHBOARD_PUBLIC_URL: raw }).publicUrl).toBe(expected);
  });

  it.each([
    'switchboard.example.com',
    'ftp://x.example',
    'https://x.example/api',
    'https://x.example?a=1',
    'https://u@x.example',
  ])('refuses %j, saying what it takes', (raw) => {
    expect(() => loadSettings({ SWITCHBOARD_PUBLIC_URL: raw })).toThrow(
      /SWITCHBOARD_PUBLIC_URL must be an http or https origin without a path, like https:\/\/switchboard\.example\.com/,
    );
  });
});

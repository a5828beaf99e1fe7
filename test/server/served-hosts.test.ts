import { describe, expect, it } from 'vitest';
import { certificateNames, connectTarget, isServedHost } from '../../src/server/tls/served-hosts.js';

const served = { baseDomain: 'zendesk.com', publicUrl: 'https://switchboard.example.test:8443' };

describe('the names Switchboard answers as itself', () => {
  it('serves the base domain, one label under it, and the public URL host', () => {
    for (const host of [
      'zendesk.com',
      'acme.zendesk.com',
      'ACME.Zendesk.COM',
      'a-1.zendesk.com',
      'switchboard.example.test',
    ]) {
      expect(isServedHost(host, served), host).toBe(true);
    }
  });

  it('refuses every other host, suffix tricks included', () => {
    for (const host of [
      'acme.zendesk.com.evil.test',
      'evilzendesk.com',
      'a.b.zendesk.com',
      '.zendesk.com',
      '-a.zendesk.com',
      'zendesk.com.',
      'example.com',
      'example.test',
      '127.0.0.1',
    ]) {
      expect(isServedHost(host, served), host).toBe(false);
    }
    expect(isServedHost('acme.zendesk.com', { baseDomain: undefined, publicUrl: undefined })).toBe(false);
  });

  it('issues the development certificate for the served names and the loopback names', () => {
    expect(certificateNames(served)).toEqual([
      '*.zendesk.com',
      'zendesk.com',
      'switchboard.example.test',
      'localhost',
      '127.0.0.1',
      '::1',
    ]);
    expect(certificateNames({ baseDomain: undefined, publicUrl: undefined })).toEqual([
      'localhost',
      '127.0.0.1',
      '::1',
    ]);
  });

  it('reads CONNECT targets as host:port, IPv6 in brackets', () => {
    expect(connectTarget('Acme.Zendesk.com:443')).toEqual({ host: 'acme.zendesk.com', port: 443 });
    expect(connectTarget('[::1]:5432')).toEqual({ host: '::1', port: 5432 });
    for (const bad of [
      'acme.zendesk.com',
      'acme.zendesk.com:0',
      'acme.zendesk.com:70000',
      'a b:443',
      'user@host:443',
      '',
    ]) {
      expect(connectTarget(bad), bad).toBeUndefined();
    }
  });
});

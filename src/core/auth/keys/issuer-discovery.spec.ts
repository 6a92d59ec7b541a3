import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IssuerDiscovery } from './issuer-discovery.js';
import { KeyFetchError } from './key-errors.js';

describe(IssuerDiscovery.name, () => {
  const serving = (document: unknown) => {
    const asked: string[] = [];
    return {
      asked,
      getJson: async (url: URL) => {
        asked.push(url.href);
        return document;
      },
    };
  };

  it('reads jwks_uri from the discovery document and accepts iss exactly as the provider states it', async () => {
    const idp = serving({ issuer: 'https://idp.test/tenant', jwks_uri: 'https://keys.idp.test/tenant/jwks' });
    const discovery = new IssuerDiscovery('https://idp.test/tenant/', undefined, idp.getJson);
    const endpoints = await discovery.resolve();
    assert.deepEqual(idp.asked, ['https://idp.test/tenant/.well-known/openid-configuration']);
    assert.equal(endpoints.jwksUri.href, 'https://keys.idp.test/tenant/jwks');
    assert.deepEqual(endpoints.issuers, ['https://idp.test/tenant'], 'the trailing slash of the config does not count');
    await discovery.resolve();
    assert.equal(idp.asked.length, 1, 'discovered once');
  });

  it('refuses a document that names another issuer or no usable jwks_uri', async () => {
    for (const document of [
      { issuer: 'https://evil.test', jwks_uri: 'https://evil.test/jwks' },
      { issuer: 'https://idp.test', jwks_uri: 'file:///etc/passwd' },
      { issuer: 'https://idp.test' },
      'not a document',
    ]) {
      const discovery = new IssuerDiscovery('https://idp.test', undefined, serving(document).getJson);
      await assert.rejects(discovery.resolve(), KeyFetchError, JSON.stringify(document));
    }
  });

  it('fetches nothing with an explicit JWKS URL, and accepts iss with or without its trailing slash', async () => {
    const idp = serving({});
    const discovery = new IssuerDiscovery('https://idp.test/', 'https://idp.test/keys', idp.getJson);
    assert.deepEqual((await discovery.resolve()).issuers, ['https://idp.test', 'https://idp.test/']);
    assert.deepEqual(idp.asked, []);
  });
});

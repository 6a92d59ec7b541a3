import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOtlpHeaders, tracesUrl } from './tracing.config.js';

describe('tracing config', () => {
  it('appends /v1/traces to the endpoint, as the spec says for OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    assert.equal(tracesUrl('http://collector:4318'), 'http://collector:4318/v1/traces');
    assert.equal(tracesUrl('http://collector:4318/'), 'http://collector:4318/v1/traces');
    assert.equal(tracesUrl('https://vendor.example/otlp//'), 'https://vendor.example/otlp/v1/traces');
  });

  it('reads OTEL_EXPORTER_OTLP_HEADERS: comma-separated pairs, URL-decoded values, names lower-cased', () => {
    assert.deepEqual(parseOtlpHeaders('Authorization=Bearer%20abc, x-team = core,broken,=nothing'), {
      authorization: 'Bearer abc',
      'x-team': 'core',
    });
    assert.deepEqual(parseOtlpHeaders(undefined), {});
    assert.deepEqual(parseOtlpHeaders('k=a=b'), { k: 'a=b' });
  });
});

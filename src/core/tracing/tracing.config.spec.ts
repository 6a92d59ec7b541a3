import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parseOtlpHeaders, TracingEnv, tracesUrl } from './tracing.config.js';

const problems = (env: Record<string, string>) =>
  validateSync(plainToInstance(TracingEnv, env))
    .map((e) => e.property)
    .sort();

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

  it('validates the standard variables: a sampler the spec names, a ratio in 0..1, a URL with a scheme', () => {
    assert.deepEqual(problems({}), [], 'all optional: tracing off');
    assert.deepEqual(
      problems({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
      }),
      [],
    );
    assert.deepEqual(
      problems({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '1.5',
        OTEL_BSP_MAX_QUEUE_SIZE: '0',
      }),
      ['OTEL_BSP_MAX_QUEUE_SIZE', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'],
    );
  });
});

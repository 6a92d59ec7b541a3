import { type Attributes, type Context, type Link, type SpanKind, TraceFlags } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import type { SamplerName } from './tracing.config.js';

/**
 * Samples a span that links to a sampled span, whatever `inner` says; else asks `inner`. A replay
 * is a trace of its own, sampled by its own trace id: without this, at 10% the replay of a
 * sampled request would be kept one time in ten, and the link an operator follows lost.
 */
export class LinkedSampler implements Sampler {
  constructor(private readonly inner: Sampler) {}

  shouldSample(
    context: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    for (const link of links)
      if ((link.context.traceFlags & TraceFlags.SAMPLED) !== 0)
        return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    return this.inner.shouldSample(context, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `LinkedSampler{${this.inner.toString()}}`;
  }
}

function baseSampler(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default: {
      const unknown: never = name;
      throw new Error(`unknown sampler ${String(unknown)}`);
    }
  }
}

/**
 * The sampler that OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG name, as the OTel spec defines
 * them, and a span linked to a sampled one is kept (LinkedSampler); `always_off` records nothing.
 */
export function samplerFor(name: SamplerName, ratio: number): Sampler {
  const base = baseSampler(name, ratio);
  return name === 'always_off' ? base : new LinkedSampler(base);
}

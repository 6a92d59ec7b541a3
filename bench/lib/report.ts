import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { median, percentile, type Sample } from './stats.js';

/**
 * What the issue asks of `contender`: a ratio to the baseline (or to `against`, another contender
 * such as the case's `reference`), or an absolute value in `unit` (or in the extra column `extra`).
 */
export type Target = { contender: string; direction: 'at-least' | 'at-most' } & (
  { ratio: number; against?: string } | { value: number; extra?: string }
);

export interface CaseResult {
  case: string;
  description: string;
  unit: string;
  /** The floor: every row gets its ratio to it. */
  baseline: string;
  /** A second reference (e.g. the stock Nest peer): every row also gets its ratios to it. */
  reference?: string;
  target?: Target | Target[];
  rounds: number;
  samples: Map<string, Sample[]>;
  /** A second table from the same case: the contenders at one fixed offered load (latency, not throughput). */
  paced?: PacedResult;
  /** Facts measured beside the table (e.g. a backlog or an end-to-end percentile), one line each. */
  notes?: string[];
}

export interface PacedResult {
  description: string;
  /** Offered load, req/s. */
  rate: number;
  samples: Map<string, Sample[]>;
}

interface Ratio {
  against: string;
  ratio: number;
  /** The median over rounds of this round's value over the reference's in the same round. */
  pairedRatio: number;
}

interface Row {
  contender: string;
  median: number;
  /** Against the baseline, kept at the top level as before. */
  ratio: number;
  pairedRatio: number;
  /** Against the baseline, then the reference if any. */
  ratios: Ratio[];
  extra: Record<string, number>;
  meetsTarget?: boolean;
  verdicts: string[];
}

const targetsOf = (result: CaseResult): Target[] =>
  result.target === undefined ? [] : Array.isArray(result.target) ? result.target : [result.target];

const describe = (target: Target, result: CaseResult): string =>
  `${target.direction === 'at-least' ? '>=' : '<='} ${
    'ratio' in target
      ? `${target.ratio}${target.against && target.against !== result.baseline ? ` of ${target.against}` : ''}`
      : `${target.value} ${target.extra ?? result.unit}`
  }`;

function extrasOf(samples: Sample[]): Record<string, number> {
  const keys = Object.keys(samples[0]?.extra ?? {});
  return Object.fromEntries(keys.map((k) => [k, median(samples.map((s) => s.extra?.[k] ?? Number.NaN))]));
}

function rows(result: CaseResult): Row[] {
  const references = [result.baseline, ...(result.reference ? [result.reference] : [])];
  const targets = targetsOf(result);
  return [...result.samples.entries()].map(([contender, samples]) => {
    const value = median(samples.map((s) => s.value));
    const extra = extrasOf(samples);
    extra.p95 = percentile(
      samples.map((s) => s.value),
      95,
    );
    // Each round runs every contender back to back, so a round's ratio cancels the machine's drift
    // between rounds (another tenant, thermal) that a ratio of medians keeps: the verdict uses it.
    const ratioTo = (against: string): Ratio => {
      const refSamples = result.samples.get(against) ?? [];
      return {
        against,
        ratio: value / median(refSamples.map((s) => s.value)),
        pairedRatio: median(samples.map((s, i) => s.value / (refSamples[i]?.value ?? Number.NaN))),
      };
    };
    const ratios = references.map(ratioTo);
    const verdicts: string[] = [];
    let meetsTarget: boolean | undefined;
    for (const target of targets.filter((t) => t.contender === contender)) {
      const measured =
        'ratio' in target
          ? ratioTo(target.against ?? result.baseline).pairedRatio
          : target.extra
            ? extra[target.extra]
            : value;
      const wanted = 'ratio' in target ? target.ratio : target.value;
      const met = target.direction === 'at-least' ? measured >= wanted : measured <= wanted;
      meetsTarget = (meetsTarget ?? true) && met;
      verdicts.push(
        targets.length > 1 ? `${describe(target, result)}: ${met ? 'met' : 'MISSED'}` : met ? 'met' : 'MISSED',
      );
    }
    return {
      contender,
      median: value,
      ratio: ratios[0].ratio,
      pairedRatio: ratios[0].pairedRatio,
      ratios,
      extra,
      meetsTarget,
      verdicts,
    };
  });
}

const fmt = (n: number): string =>
  Number.isFinite(n) ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(3)) : 'n/a';

function markdownTable(header: string[], cells: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...cells.map((c) => `| ${c.join(' | ')} |`),
  ];
}

function pacedLines(result: CaseResult, paced: PacedResult): string[] {
  const table = [...paced.samples.entries()].map(([contender, samples]) => ({
    contender,
    median: median(samples.map((s) => s.value)),
    extra: extrasOf(samples),
  }));
  const extraKeys = Object.keys(table[0]?.extra ?? {});
  return [
    '',
    `#### ${result.case} at a fixed offered load of ${paced.rate} req/s: ${paced.description}`,
    '',
    ...markdownTable(
      ['contender', 'median achieved req/s', ...extraKeys.map((k) => `median ${k}`)],
      table.map((r) => [r.contender, fmt(r.median), ...extraKeys.map((k) => fmt(r.extra[k]))]),
    ),
  ];
}

/** Prints the case's table and writes it, with every raw sample, to bench/results/<case>.json and .md. */
export function report(result: CaseResult, outDir = 'bench/results'): string {
  const table = rows(result);
  const extraKeys = Object.keys(table[0]?.extra ?? {});
  const targets = targetsOf(result);
  const references = [result.baseline, ...(result.reference ? [result.reference] : [])];
  const header = [
    'contender',
    `median ${result.unit}`,
    ...extraKeys.map((k) => (k === 'p95' ? `p95 ${result.unit}` : `median ${k}`)),
    ...references.flatMap((name) =>
      result.reference
        ? [`ratio vs ${name}`, `median of per-round ratios vs ${name}`]
        : [`ratio vs ${name}`, 'median of per-round ratios'],
    ),
    targets.length > 1 ? 'targets' : `target ${targets[0] ? describe(targets[0], result) : ''}`,
  ];
  const lines = [
    `### ${result.case}: ${result.description}`,
    `${result.rounds} interleaved rounds, medians; a ratio target is checked on the median of per-round ratios; ${new Date().toISOString()}, node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at the end`,
    '',
    ...markdownTable(
      header,
      table.map((r) => [
        r.contender,
        fmt(r.median),
        ...extraKeys.map((k) => fmt(r.extra[k])),
        ...r.ratios.flatMap((q) => [fmt(q.ratio), fmt(q.pairedRatio)]),
        r.verdicts.join('; '),
      ]),
    ),
    ...(result.paced ? pacedLines(result, result.paced) : []),
    ...(result.notes ? ['', ...result.notes.map((n) => `- ${n}`)] : []),
  ];
  const text = lines.join('\n');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${result.case}.md`), `${text}\n`);
  const raw = {
    ...result,
    samples: Object.fromEntries(result.samples),
    paced: result.paced ? { ...result.paced, samples: Object.fromEntries(result.paced.samples) } : undefined,
    table,
    at: new Date().toISOString(),
    node: process.version,
    loadAverage: loadavg(),
  };
  writeFileSync(join(outDir, `${result.case}.json`), `${JSON.stringify(raw, null, 2)}\n`);
  return text;
}

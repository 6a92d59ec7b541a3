import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, percentile, type Sample } from './stats.js';

export interface CaseResult {
  case: string;
  description: string;
  unit: string;
  baseline: string;
  /** What the issue asks of `contender`: a ratio to the baseline (e.g. 0.8) or an absolute value in `unit`. */
  target?: { contender: string; direction: 'at-least' | 'at-most' } & (
    { ratio: number } | { value: number; extra?: string }
  );
  rounds: number;
  samples: Map<string, Sample[]>;
}

interface Row {
  contender: string;
  median: number;
  ratio: number;
  /** The median over rounds of this round's value over the baseline's in the same round. */
  pairedRatio: number;
  extra: Record<string, number>;
  meetsTarget?: boolean;
}

function rows(result: CaseResult): Row[] {
  const baseSamples = result.samples.get(result.baseline) ?? [];
  const base = median(baseSamples.map((s) => s.value));
  return [...result.samples.entries()].map(([contender, samples]) => {
    const value = median(samples.map((s) => s.value));
    const extraKeys = Object.keys(samples[0]?.extra ?? {});
    const extra = Object.fromEntries(extraKeys.map((k) => [k, median(samples.map((s) => s.extra?.[k] ?? Number.NaN))]));
    extra.p95 = percentile(
      samples.map((s) => s.value),
      95,
    );
    const ratio = value / base;
    // Each round runs every contender back to back, so a round's ratio cancels the machine's drift
    // between rounds (another tenant, thermal) that a ratio of medians keeps: the verdict uses it.
    const pairedRatio = median(samples.map((s, i) => s.value / (baseSamples[i]?.value ?? Number.NaN)));
    let meetsTarget: boolean | undefined;
    if (result.target && contender === result.target.contender) {
      const measured =
        'ratio' in result.target ? pairedRatio : result.target.extra ? extra[result.target.extra] : value;
      const wanted = 'ratio' in result.target ? result.target.ratio : result.target.value;
      meetsTarget = result.target.direction === 'at-least' ? measured >= wanted : measured <= wanted;
    }
    return { contender, median: value, ratio, pairedRatio, extra, meetsTarget };
  });
}

const fmt = (n: number): string =>
  Number.isFinite(n) ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(3)) : 'n/a';

/** Prints the case's table and writes it, with every raw sample, to bench/results/<case>.json and .md. */
export function report(result: CaseResult, outDir = 'bench/results'): string {
  const table = rows(result);
  const extraKeys = Object.keys(table[0]?.extra ?? {});
  const target = result.target
    ? `${result.target.direction === 'at-least' ? '>=' : '<='} ${'ratio' in result.target ? result.target.ratio : `${result.target.value} ${result.target.extra ?? result.unit}`}`
    : '';
  const header = [
    'contender',
    `median ${result.unit}`,
    ...extraKeys.map((k) => (k === 'p95' ? `p95 ${result.unit}` : `median ${k}`)),
    `ratio vs ${result.baseline}`,
    'median of per-round ratios',
    `target ${target}`,
  ];
  const lines = [
    `### ${result.case}: ${result.description}`,
    `${result.rounds} interleaved rounds, medians; a ratio target is checked on the median of per-round ratios; ${new Date().toISOString()}, node ${process.version}`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...table.map((r) => {
      const verdict = r.meetsTarget === undefined ? '' : r.meetsTarget ? 'met' : 'MISSED';
      const cells = [
        r.contender,
        fmt(r.median),
        ...extraKeys.map((k) => fmt(r.extra[k])),
        fmt(r.ratio),
        fmt(r.pairedRatio),
      ];
      return `| ${[...cells, verdict].join(' | ')} |`;
    }),
  ];
  const text = lines.join('\n');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `${result.case}.md`), `${text}\n`);
  const raw = {
    ...result,
    samples: Object.fromEntries(result.samples),
    table,
    at: new Date().toISOString(),
    node: process.version,
  };
  writeFileSync(join(outDir, `${result.case}.json`), `${JSON.stringify(raw, null, 2)}\n`);
  return text;
}

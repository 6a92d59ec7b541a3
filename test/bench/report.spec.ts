import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseWrkOutput } from '../../bench/lib/http.js';
import { type CaseResult, report } from '../../bench/lib/report.js';
import { makeTempDir, removeDir } from '../harness/system.js';

const WRK = `Running 3s test @ http://127.0.0.1:1/health/live
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.05ms    4.26ms  45.84ms   97.50%
    Req/Sec     2.01k   179.28     2.68k    93.33%
  Latency Distribution
     50%  230.00us
     75%  395.00us
     90%    1.24ms
     99%   26.73ms
  6005 requests in 3.00s, 1.07MB read
Requests/sec:   2000.24
Transfer/sec:    363.32KB
paced: late 122 of 6036, max lag 33.8 ms
`;

describe('bench report', () => {
  it("reads rate, p50, p99 and paced.lua's late line from wrk's output", () => {
    const sample = parseWrkOutput('u', WRK, 0.5, 97.4);
    assert.equal(sample.value, 2000.24);
    assert.deepEqual(sample.extra, {
      'p50 ms': 0.23,
      'p99 ms': 26.73,
      'server cpu': 0.5,
      'rss MB': 97,
      'late %': 2,
      'max lag ms': 33.8,
    });
    assert.throws(() => parseWrkOutput('u', `${WRK}  Non-2xx or 3xx responses: 3\n`, 0, 0), /3 non-2xx/);
  });

  it('prints the ratios to the baseline and to the reference, and checks each target on its own', () => {
    const dir = makeTempDir('report-spec');
    try {
      const s = (...values: number[]) => values.map((value) => ({ value, extra: { 'rss MB': 100 } }));
      const result: CaseResult = {
        case: 'c',
        description: 'd',
        unit: 'req/s',
        baseline: 'floor',
        reference: 'peer',
        target: [
          { contender: 'ours', ratio: 0.85, direction: 'at-least' },
          { contender: 'ours', ratio: 1, against: 'peer', direction: 'at-least' },
        ],
        rounds: 2,
        samples: new Map([
          ['floor', s(100, 200)],
          ['peer', s(50, 100)],
          ['ours', s(60, 110)],
        ]),
        paced: { description: 'p', rate: 10, samples: new Map([['ours', s(10, 10)]]) },
      };
      const text = report(result, dir);
      const row = text.split('\n').find((line) => line.startsWith('| ours |'));
      // 60/100 and 110/200: 0.575 of the floor; 60/50 and 110/100: 1.15 of the peer.
      assert.equal(
        row,
        '| ours | 85.0 | 100 | 110 | 0.567 | 0.575 | 1.13 | 1.15 | >= 0.85: MISSED; >= 1 of peer: met |',
      );
      assert.match(text, /#### c at a fixed offered load of 10 req\/s: p/);
      const json = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8')) as { paced: { samples: object } };
      assert.deepEqual(Object.keys(json.paced.samples), ['ours']);
    } finally {
      removeDir(dir);
    }
  });
});

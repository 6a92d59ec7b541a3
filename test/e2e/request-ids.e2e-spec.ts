import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AppProcess,
  databaseMode,
  MAIN_ENTRY,
  PostgresCluster,
  freePort,
  limitOrder,
  makeTempDir,
  removeDir,
  waitFor,
} from '../harness/index.js';

const TOKEN = 'request-ids-e2e-token-0123456789';

describe('request ids in the audit trail and in background work (a process on Postgres)', () => {
  let cluster: PostgresCluster;
  let app: AppProcess;
  let cwd: string;

  before(async () => {
    cluster = await PostgresCluster.start({ replica: false });
    cwd = makeTempDir('request-ids');
    app = AppProcess.spawn(
      MAIN_ENTRY,
      {
        PORT: String(await freePort()),
        DB_PRIMARY_URL: cluster.primary.url,
        DB_PROBE_INTERVAL_MS: '200',
        LOG_FORMAT: 'json',
        HEALTH_DETAILS_TOKEN: TOKEN,
      },
      cwd,
    );
    await app.ready();
  });
  after(async () => {
    await app?.stop();
    await cluster?.destroy();
    if (cwd) removeDir(cwd);
  });

  const mode = () => databaseMode(app.url, TOKEN);

  it("keeps a caller's id beside ours in the audit line, and logs no request's id for the replay", async () => {
    await waitFor('normal mode', async () => (await mode()) === 'normal', 20_000);
    await cluster.stop('primary', 'immediate');
    const post = (clientOrderId: string) =>
      fetch(`${app.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'shared-client-id' },
        body: JSON.stringify(limitOrder(clientOrderId)),
      });
    const [first, second] = [await post('rid-1'), await post('rid-2')];
    assert.deepEqual([first.status, second.status], [201, 201]);
    const ours = [first.headers.get('x-request-id'), second.headers.get('x-request-id')];
    assert.notEqual(ours[0], ours[1], 'one client id, two of ours');
    await cluster.start('primary');
    await waitFor('the replay', async () => /journal replayed: 2 applied/.test(app.output), 30_000);

    const lines = app.output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(
        (l) => JSON.parse(l) as { context?: string; message?: string; requestId?: string; clientRequestId?: string },
      );
    for (const [i, id] of ['rid-1', 'rid-2'].entries()) {
      const audit = lines.find((l) => l.context === 'Audit' && String(l.message).includes('created'));
      assert.ok(audit, `an audit line for ${id}`);
      const own = lines.filter((l) => l.context === 'Audit' && l.requestId === ours[i]);
      assert.equal(own.length, 1, `the audit line of ${id} carries our id ${ours[i]}`);
      assert.equal(own[0].clientRequestId, 'shared-client-id', "and the caller's, as its own field");
    }
    const background = lines.filter((l) => /replay|mode: /.test(String(l.message)));
    assert.ok(
      background.some((l) => /replaying/.test(String(l.message))),
      'the replay was logged',
    );
    for (const line of background)
      assert.equal(line.requestId, undefined, `background work logs no request's id: ${JSON.stringify(line)}`);
  });
});

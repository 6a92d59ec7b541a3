import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Module } from '@nestjs/common';
import { DatabaseModule, DatabaseService, defineCommand } from '../../src/core/database/index.js';
// Internal on purpose: the test writes a journal file as another app (with another module) left it.
import { Journal } from '../../src/core/database/journal/journal.js';
import { InProcessApp, makeTempDir, removeDir } from '../harness/index.js';

const NO_POSTGRES = { DB_PRIMARY_URL: 'postgres://postgres@127.0.0.1:1/none' };
const noop = <P>(type: string) =>
  defineCommand<P, object>({ type, apply: () => Promise.resolve({}), journaled: () => ({}) });

const declared = noop<object>('test.declared');
@Module({ imports: [DatabaseModule.forFeature({ commands: [declared] })] })
class DeclaringModule {}

const twin = noop<object>('test.declared');
@Module({ imports: [DatabaseModule.forFeature({ commands: [twin] })] })
class TwinModule {}

describe('commands declared in module metadata', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = makeTempDir('commands');
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach(removeDir));

  it('fails boot, naming the type, when the journal holds a command no module of the app declares', async () => {
    const d = dir();
    const journal = new Journal(join(d, 'app.sqlite'));
    await journal.append({ type: 'team.unknown', key: 'k', entityId: 'e', payload: {} });
    journal.close();
    await assert.rejects(InProcessApp.start(NO_POSTGRES, d), /"team\.unknown".*no module declares a handler/);
  });

  it('boots when every journaled type is declared, and takes writes through the declared handler', async () => {
    const d = dir();
    const journal = new Journal(join(d, 'app.sqlite'));
    await journal.append({ type: 'test.declared', key: 'k', entityId: 'e', payload: {} });
    journal.close();
    const app = await InProcessApp.start(NO_POSTGRES, d, [DeclaringModule]);
    try {
      const database = app.get(DatabaseService);
      const { journaled } = await database.write(declared, {}, { key: 'k2', entityId: 'e2' });
      assert.equal(journaled, true);
      assert.equal(database.status().backlog, 2);
      await assert.rejects(
        database.write(noop<object>('test.undeclared'), {}, { key: 'k3', entityId: 'e3' }),
        /"test\.undeclared" is not declared/,
      );
    } finally {
      await app.close(false);
    }
  });

  it('fails boot when two modules declare one type with different handlers', async () => {
    await assert.rejects(
      InProcessApp.start(NO_POSTGRES, dir(), [DeclaringModule, TwinModule]),
      /"test\.declared" is declared twice/,
    );
  });
});

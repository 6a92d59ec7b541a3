import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InfluxServer, PostgresCluster, RedisSetup, waitFor } from '../harness/index.js';

describe('test harness', () => {
  describe(PostgresCluster.name, () => {
    let cluster: PostgresCluster;
    before(async () => {
      cluster = await PostgresCluster.start({ replica: true });
    });
    after(() => cluster?.destroy());

    it('starts a primary that takes writes and a streaming replica in recovery', async () => {
      assert.equal(await cluster.sql('primary', 'select pg_is_in_recovery()'), 'f');
      assert.equal(await cluster.sql('replica', 'select pg_is_in_recovery()'), 't');
      await cluster.sql('primary', 'create table t (v int); insert into t values (42)');
      await waitFor(
        'the row on the replica',
        async () => (await cluster.sql('replica', 'select coalesce(sum(v), 0) from t').catch(() => '0')) === '42',
      );
    });

    it('uses ports other than the machine-wide 5432', () => {
      assert.notEqual(cluster.primary.port, 5432);
      assert.notEqual(cluster.replica?.port, 5432);
    });

    it('kills the primary and promotes the replica to a writer', async () => {
      await cluster.stop('primary', 'immediate');
      await assert.rejects(cluster.sql('primary', 'select 1'));
      await cluster.promote();
      await waitFor('promotion', async () => (await cluster.sql('replica', 'select pg_is_in_recovery()')) === 'f');
      await cluster.sql('replica', 'insert into t values (1)');
    });
  });

  describe(RedisSetup.name, () => {
    let redis: RedisSetup;
    before(async () => {
      redis = await RedisSetup.start({ sentinel: true });
    });
    after(async () => redis?.destroy());

    it('starts a master, a replica and a sentinel that each answer', async () => {
      assert.equal(await redis.cli(redis.master.port, 'SET', 'k', 'v'), 'OK');
      const replica = redis.replica;
      assert.ok(replica);
      await waitFor('replication', async () => (await redis.cli(replica.port, 'GET', 'k')) === 'v');
      assert.deepEqual(await redis.sentinelMaster(), ['127.0.0.1', redis.master.port]);
    });

    it('promotes the replica when the master dies', async () => {
      await redis.kill(redis.master);
      const replica = redis.replica;
      assert.ok(replica);
      await waitFor('sentinel failover', async () => (await redis.sentinelMaster())[1] === replica.port, 20_000, 250);
      assert.match(await redis.cli(replica.port, 'ROLE'), /^master/);
    });
  });

  describe(InfluxServer.name, () => {
    let influx: InfluxServer;
    before(async () => {
      influx = await InfluxServer.start();
    });
    after(async () => influx?.destroy());

    it('answers /ping and stores a written point', async () => {
      assert.equal((await fetch(`${influx.url}/ping`)).status, 204);
      await influx.query('CREATE DATABASE harness');
      const write = await fetch(`${influx.url}/write?db=harness`, { method: 'POST', body: 'm,tag=a value=1' });
      assert.equal(write.status, 204);
      const result = JSON.stringify(await influx.query('SELECT count(value) FROM m', 'harness'));
      assert.match(result, /"count"\],"values":\[\["[^"]+",1\]\]/);
    });
  });
});

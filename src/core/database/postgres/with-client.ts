import type pg from 'pg';

/**
 * Runs `work` on a client checked out of `pool` and always gives it back: released on success,
 * destroyed on failure. While checked out a client has no pool listener, so a server dying
 * mid-use would emit an unhandled 'error' and crash the process; one is attached for the duration.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    const result = await work(client);
    client.off('error', onError);
    client.release(broken);
    return result;
  } catch (error) {
    client.off('error', onError);
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

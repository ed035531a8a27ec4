/** What the worker command checks before it serves: Redis answers (else a clear message and exit 1). */
import { createClient, describeConnection, type RedisConnection } from './connection.js';

export { describeConnection, type RedisConnection };

export async function preflightWorker(connection: RedisConnection): Promise<void> {
  const client = createClient(connection, { lazyConnect: true, connectTimeout: 10_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`cannot reach Redis at ${describeConnection(connection)}: ${(error as Error).message}`);
  } finally {
    client.disconnect();
  }
}

/**
 * A throwaway redis-server for the bullmq example: a free loopback port, no persistence, stopped at the end.
 * (Not an example itself: the runner skips lib/.) Install Redis with `apt-get install redis-server` (Debian,
 * Ubuntu) or `brew install redis` (macOS).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export interface LocalRedis {
  readonly url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startRedis(): Promise<LocalRedis> {
  if (spawnSync('redis-server', ['--version']).error !== undefined) {
    throw new Error('this example needs redis-server on the PATH (apt-get install redis-server, or brew install redis)');
  }
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (error) {
      if (tries > 200) throw new Error(`redis-server did not start on port ${port}: ${(error as Error).message}`);
      await sleep(50);
    } finally {
      probe.disconnect();
    }
  }
  return {
    url,
    async stop() {
      server.kill('SIGTERM');
      await exited;
    },
  };
}

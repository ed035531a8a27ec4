/**
 * SIGINT to a parent run by `minigun run … --use @minigun/strategy-bullmq`: it exits 130 (cancelled), the
 * workers' ctx.signal aborts, no key of the run is left in Redis, and the worker keeps serving other runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { faults } from './fixtures/faults.mjs';
import { redisForFile, registry, sorted, startWorker, tempDir, waitFor } from './util.js';

const CLI = fileURLToPath(new URL('../../cli/bin/minigun.js', import.meta.url));
const MODULE = fileURLToPath(new URL('./fixtures/faults.mjs', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

const redis = redisForFile();

it('SIGINT to `minigun run`: exit 130, no key of the run left, the worker serves the next run', async () => {
  const worker = await startWorker(MODULE, redis.url, ['--pipeline', 'bullmq-faults', '--stages', 'work', '--concurrency', '4']);
  try {
    const dir = tempDir();
    const stateFile = join(dir, 'state.json');
    writeFileSync(stateFile, JSON.stringify({ count: 50, dir, waitForAbort: true }));
    const env = { ...process.env, MINIGUN_REDIS_URL: redis.url, NODE_OPTIONS: '' };
    const parent = spawn(
      process.execPath,
      [CLI, 'run', MODULE, '--pipeline', 'bullmq-faults', '--state', stateFile, '--use', '@minigun/strategy-bullmq', '--json'],
      {
        cwd: PACKAGE_DIR,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    parent.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => parent.once('exit', (code) => resolve(code)));
    await waitFor(() => existsSync(join(dir, 'started-0')) || parent.exitCode !== null, 30_000, 'the first input to start in the worker');
    parent.kill('SIGINT');
    expect(await exited, out).toBe(130);
    const report = JSON.parse(out.slice(out.indexOf('{'))) as { status: string; collected: { aborted?: number[] } };
    expect(report.status).toBe('cancelled');
    expect((report.collected.aborted ?? []).length, 'ctx.signal aborted in the worker').toBeGreaterThan(0);
    expect(await redis.keys('*:minigun:run:*')).toEqual([]);
    expect((await redis.keys('*')).filter((k) => /[0-9a-f]{8}-[0-9a-f]{4}-/.test(k))).toEqual([]);
    expect(worker.child.exitCode).toBeNull();
    const next = await faults.run({ state: { count: 5, dir: tempDir() }, registry: registry({ connection: redis.url }) });
    expect(sorted(next.collected.out)).toEqual([0, 1, 2, 3, 4]);
  } finally {
    await worker.stop();
  }
}, 90_000);

/**
 * Four workers, each started from its own copy of the app folder in a temporary directory (no file shared
 * with the parent but the installed packages, as on separate machines), one SIGKILLed mid-run: every input
 * is accounted for exactly once.
 */
import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { app } from './fixtures/app/pipeline.mjs';
import { assertAccounting, itemErrors, redisForFile, registry, startWorker, tempDir, type WorkerProcess } from './util.js';

const APP = fileURLToPath(new URL('./fixtures/app', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));

const redis = redisForFile();

it('four workers from their own copies of the app, one killed mid-run: every input exactly once', async () => {
  const workers: WorkerProcess[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const machine = tempDir(`minigun-machine-${i}-`);
      cpSync(APP, join(machine, 'app'), { recursive: true });
      // The machine's installed packages (npm ci there would install the same versions).
      symlinkSync(NODE_MODULES, join(machine, 'app', 'node_modules'));
      workers.push(await startWorker(join(machine, 'app', 'pipeline.mjs'), redis.url, ['--concurrency', '2'], machine));
    }
    for (const w of workers) expect(w.output()).toMatch(/serving stage "work" of pipeline "bullmq-app" \(queue bullmq-app~work\)/);
    const victim = workers[1]!;
    let killed = false;
    const count = 300;
    const r = await app.run({
      state: { count, delayMs: 15 },
      registry: registry({ connection: redis.url }),
      progressIntervalMs: 50,
      progress: (e) => {
        if (!killed && (e.stages.sink?.done ?? 0) >= 60) {
          killed = true;
          victim.child.kill('SIGKILL');
        }
      },
    });
    expect(killed).toBe(true);
    expect(r.status).toBe('completed');
    expect(itemErrors(r)).toEqual([]);
    const done = r.collected.done as Array<{ id: number; pid: number }>;
    expect(done.map((d) => d.id).sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
    const byPid = new Map<number, number>();
    for (const d of done) byPid.set(d.pid, (byPid.get(d.pid) ?? 0) + 1);
    const pids = workers.map((w) => w.pid);
    for (const pid of byPid.keys()) expect(pids).toContain(pid);
    expect(byPid.size).toBeGreaterThanOrEqual(2);
    assertAccounting(r);
    expect(await redis.keys('*:minigun:run:*')).toEqual([]);
    // The survivors keep serving: a second run goes through.
    const again = await app.run({ state: { count: 20, delayMs: 0 }, registry: registry({ connection: redis.url }) });
    expect((again.collected.done as unknown[]).length).toBe(20);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}, 120_000);

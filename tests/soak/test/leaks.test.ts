/** The leak checks see what a round could leave behind: a descriptor, a thread, a child process, a file. */
import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { cleanupDirs, tempDir } from '@minigun/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle } from '../src/leaks.js';
import { holdings, openFiles } from '../src/probes.js';

const NOTHING = { fds: 0, newFds: [], threads: 0, children: [], files: [] };
const baselineNow = () => ({ ...holdings(), fdTargets: openFiles() });
const savedTmp = process.env.TMPDIR;
let dir: string;

beforeEach(async () => {
  // The checks look at os.tmpdir(), which follows TMPDIR.
  dir = tempDir('soak-leaks-');
  process.env.TMPDIR = dir;
  // Start the libuv thread pool now: it is started on first use and stays (part of the baseline).
  await readFile(new URL(import.meta.url));
});

afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  cleanupDirs();
});

describe('settle', () => {
  it('finds a descriptor, a child process and a file left after the baseline, and nothing once they are gone', async () => {
    const baseline = baselineNow();
    expect(await settle(baseline, 200)).toEqual(NOTHING);
    const fd = openSync(join(dir, 'left.rec'), 'w');
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const leaks = await settle(baseline, 300);
    expect(leaks.fds).toBeGreaterThanOrEqual(1);
    expect(leaks.newFds).toContain(`${fd} → ${join(dir, 'left.rec')}`);
    expect(leaks.children).toEqual([child.pid]);
    expect(leaks.files).toEqual(['left.rec']);
    closeSync(fd);
    child.kill('SIGKILL');
    rmSync(join(dir, 'left.rec'));
    expect(await settle(baseline, 5000)).toEqual(NOTHING);
  });

  it('finds a worker thread that is still alive, and waits for one that is going', async () => {
    const baseline = baselineNow();
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    await new Promise((resolve) => worker.once('online', resolve));
    expect((await settle(baseline, 300)).threads).toBeGreaterThanOrEqual(1);
    void worker.terminate();
    expect(await settle(baseline, 5000)).toEqual(NOTHING);
  });
});

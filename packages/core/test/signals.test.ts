import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function start(mode: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/signals.ts'), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const started = new Promise<void>((resolve) => child.stdout.on('data', () => out.includes('started') && resolve()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, started, exited, output: () => out };
}

describe('run({ handleSignals: true })', () => {
  it('cancels gracefully on the first SIGINT: afterRun runs, status cancelled, handlers restored', async () => {
    const run = start('slow');
    await run.started;
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('afterRun cancelled');
    expect(run.output()).toContain('status cancelled listeners 0');
  }, 20_000);

  it('stops at once on a second signal even when inputs never finish', async () => {
    const run = start('stuck');
    await run.started;
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const second = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(Date.now() - second).toBeLessThan(5000); // graceMs is 30 s: only the second signal explains this
    expect(run.output()).toContain('status cancelled');
  }, 20_000);
});

describe('run({ handleSignals: true }) when a plugin misbehaves', () => {
  it("removes its signal listeners and resolves although the strategy's close() throws synchronously", async () => {
    const { Registry, pipeline } = await import('@minigun/core');
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const strategy = {
      name: 'throws-on-close',
      isolated: false,
      createExecutor: () => ({
        execute: async (a: { input: unknown }) => [{ kind: 'emit' as const, item: a.input }],
        close: (): Promise<void> => {
          throw new Error('close exploded');
        },
      }),
    };
    const p = pipeline('bad-close', (q) => {
      q.producer('gen', () => [1, 2]);
      q.processor('work', { strategy: 'throws-on-close' }, (n: number) => n);
      q.consumer('sink', (n: number, _out, ctx) => ctx.collect('out', n));
    });
    const r = await p.run({ handleSignals: true, registry: new Registry().use({ name: 'bad', strategies: [strategy] }) });
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
    expect(r.status).toBe('completed');
    expect(r.collected.out).toEqual([1, 2]);
    expect(r.errors).toEqual([expect.objectContaining({ kind: 'run', stage: 'work', message: expect.stringContaining('close exploded') })]);
  });
});

import { describe, expect, it } from 'vitest';
import { timingStats } from '@minigun/hooks';
import { FakeTarget, fakeContext, sleep } from './fake-target';

function setup(options?: Parameters<typeof timingStats>[0]) {
  const stats = timingStats(options);
  const target = new FakeTarget();
  stats.bundle.install(target);
  return { stats, target };
}

describe('timingStats', () => {
  it('registers run, fork and (for listed stages) lifetime hooks', () => {
    expect(setup().target.registrations()).toEqual(['beforeRun', 'beforeFork', 'afterFork', 'afterRun']);
    const { stats, target } = setup({ key: 'perf', stages: ['a', 'b'] });
    expect(stats.bundle.name).toBe('timingStats:perf');
    expect(target.registrations()).toEqual(['beforeRun', 'before:a', 'after:a', 'before:b', 'after:b', 'beforeFork', 'afterFork', 'afterRun']);
  });

  it('reports nothing measured before a run', () => {
    const report = setup().stats.report();
    expect(report).toEqual({ workersKey: 'timing:workers', stages: {}, forks: 0, workers: [], pids: [] });
  });

  it('times the run and each listed stage', async () => {
    const { stats, target } = setup({ stages: ['load'] });
    const ctx = fakeContext();
    const t0 = performance.timeOrigin + performance.now();
    await target.fire('beforeRun', undefined, ctx);
    await target.fire('before', 'load', ctx, { stage: 'load' });
    await sleep(20);
    await target.fire('after', 'load', ctx, { stage: 'load' });
    await target.fire('afterRun', undefined, ctx, { collected: {} });
    const report = stats.report();
    expect(report.startedAt).toBeGreaterThanOrEqual(t0);
    expect(report.durationMs).toBeGreaterThanOrEqual(15);
    expect(report.endedAt! - report.startedAt!).toBeCloseTo(report.durationMs!, 3);
    const load = report.stages.load;
    expect(load.durationMs).toBeGreaterThanOrEqual(15);
    expect(load.durationMs!).toBeLessThanOrEqual(report.durationMs!);
    expect(load.startedAt).toBeGreaterThanOrEqual(report.startedAt!);
    expect(load.forks).toBe(0);
  });

  it('leaves a stage without duration when its after hook never ran', async () => {
    const { stats, target } = setup({ stages: ['load'] });
    await target.fire('beforeRun', undefined, fakeContext());
    await target.fire('before', 'load', fakeContext(), { stage: 'load' });
    const load = stats.report().stages.load;
    expect(load.startedAt).toBeTypeOf('number');
    expect(load.durationMs).toBeUndefined();
  });

  it('counts forks per stage in the parent and gathers worker PIDs collected by the workers', async () => {
    const collected: Record<string, unknown[]> = {};
    const parent = setup();
    const parentCtx = fakeContext({ pid: 100 }, collected);
    await parent.target.fire('beforeRun', undefined, parentCtx);

    // Three forks of "save" (cow-fork: one child per input), one of "resize" (a thread: same PID).
    const forks: [string, number, number][] = [
      ['save', 201, 1],
      ['save', 202, 2],
      ['save', 201, 3],
      ['resize', 100, 4],
    ];
    for (const [stage, pid, workerId] of forks) {
      await parent.target.fire('beforeFork', stage, parentCtx, { stage });
      const worker = setup(); // the worker's own instance, from re-importing the module
      const workerCtx = fakeContext({ pid, workerId, stage }, collected);
      await worker.target.fire('afterFork', stage, workerCtx, { stage, workerId, pid });
      expect(worker.stats.report().workers).toEqual([{ stage, pid, workerId }]);
    }
    expect(parent.stats.report().workers).toEqual([]); // not until afterRun reads the result

    await parent.target.fire('afterRun', undefined, parentCtx, { status: 'completed', collected });
    const report = parent.stats.report();
    expect(collected['timing:workers']).toHaveLength(4);
    expect(report.forks).toBe(4);
    expect(report.stages.save.forks).toBe(3);
    expect(report.stages.save.pids).toEqual([201, 202]);
    expect(report.stages.save.workers.map((w) => w.workerId)).toEqual([1, 2, 3]);
    expect(report.stages.resize).toMatchObject({ forks: 1, pids: [100] });
    expect(report.pids).toEqual([201, 202, 100]);
    expect(report.workers).toHaveLength(4);
  });

  it('falls back to the context for stage, pid and workerId', async () => {
    const { stats, target } = setup({ key: 'k' });
    const ctx = fakeContext({ pid: 300, workerId: 9, stage: 'save' });
    await target.fire('afterFork', 'save', ctx, {});
    expect(ctx.collected['k:workers']).toEqual([{ stage: 'save', pid: 300, workerId: 9 }]);
    expect(stats.report().stages.save.workers).toHaveLength(1);
  });

  it('ignores malformed collected entries and results without collected', async () => {
    const { stats, target } = setup();
    const ctx = fakeContext();
    await target.fire('beforeRun', undefined, ctx);
    await target.fire('afterRun', undefined, ctx, {
      collected: { 'timing:workers': [{ stage: 's', pid: 5 }, { pid: 'x' }, null, 7] },
    });
    expect(stats.report().workers).toEqual([{ stage: 's', pid: 5 }]);
    await target.fire('afterRun', undefined, ctx, undefined);
    expect(stats.report().workers).toEqual([{ stage: 's', pid: 5 }]);
  });

  it('starts afresh on each run', async () => {
    const { stats, target } = setup();
    const ctx = fakeContext();
    await target.fire('beforeRun', undefined, ctx);
    await target.fire('beforeFork', 's', ctx, { stage: 's' });
    expect(stats.report().forks).toBe(1);
    await target.fire('beforeRun', undefined, ctx);
    expect(stats.report()).toMatchObject({ forks: 0, stages: {} });
    expect(stats.report().durationMs).toBeUndefined();
  });

  it('returns frozen snapshots', async () => {
    const { stats, target } = setup();
    await target.fire('beforeRun', undefined, fakeContext());
    const report = stats.report();
    expect(Object.isFrozen(report) && Object.isFrozen(report.stages) && Object.isFrozen(report.workers)).toBe(true);
  });

  it('validates its options', () => {
    expect(() => timingStats({ key: '' })).toThrow(/key must be a non-empty string/);
    expect(() => timingStats({ stages: ['ok', ''] })).toThrow(/stages must be a non-empty array of stage names/);
  });
});

/**
 * The strategy conformance suite. Framework-agnostic: `conformanceCases()` returns named async checks that
 * throw (node:assert) on failure; wire them into any runner:
 *
 *   for (const c of conformanceCases({ strategy })) it(c.name, c.run, c.timeoutMs);
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pipeline } from '../pipeline.js';
import { Registry } from '../strategy/registry.js';
import type { MinigunPlugin, Strategy, Transport } from '../strategy/strategy.js';
import type { RunOptions, RunResult } from '../types.js';
import {
  CONFORMANCE_STRATEGY,
  CONFORMANCE_TRANSPORT,
  TARGET_CONTEXT,
  VIA_TRANSPORT,
  backpressurePipeline,
  cancelPipeline,
  basicPipeline,
  customBackpressurePipeline,
  customOneReaderPipeline,
  customPipeline,
  graceCollectPipeline,
  basicPipelineViaTransport,
  hooksPipeline,
  orderedPipeline,
  producerCancelPipeline,
  producerCollectPipeline,
  producerPipeline,
  retryPipeline,
  type ConformanceState,
} from './fixtures.js';

export interface ConformanceOptions {
  /** The strategy under test. It is registered as the stage strategy of every fixture. */
  readonly strategy: Strategy;
  /** Other plugins the strategy needs. */
  readonly plugins?: readonly MinigunPlugin[];
  /**
   * Run every case with the stage under test on this transport instead of the channel (isolated
   * strategies). Case names then say which transport.
   */
  readonly transport?: Transport;
  /** Whether the strategy can run producers (default true). */
  readonly producers?: boolean;
  /**
   * Whether the strategy can run custom stages, `p.stage` (default true; a strategy without
   * `StageExecutor.stream` says false). Their cases run without `transport` only (they never use one).
   */
  readonly customStages?: boolean;
  /** Time budget per case in ms, for the test runner (default 30000). */
  readonly timeoutMs?: number;
}

export interface ConformanceCase {
  readonly name: string;
  readonly timeoutMs: number;
  run(): Promise<void>;
}

function state(overrides: Partial<ConformanceState> = {}): ConformanceState {
  return { count: 50, delays: [], failOn: [], dir: '', factor: 3, emitted: 0, received: 0, ...overrides };
}

function sorted(values: unknown[] | undefined): number[] {
  return [...((values ?? []) as number[])].sort((a, b) => a - b);
}

function range(n: number, f: (i: number) => number = (i) => i): number[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

/**
 * Throws unless every stage of a finished run reconciles: in = done + failed + cancelled. Useful in any
 * strategy's own tests too.
 */
export function assertAccounting(result: RunResult): void {
  for (const [name, s] of Object.entries(result.stats.stages)) {
    assert.equal(
      s.in,
      s.done + s.failed + s.cancelled,
      `stage "${name}": in (${s.in}) != done (${s.done}) + failed (${s.failed}) + cancelled (${s.cancelled})`,
    );
  }
}

export function conformanceCases(options: ConformanceOptions): ConformanceCase[] {
  const strategy = options.strategy;
  const timeoutMs = options.timeoutMs ?? 30_000;
  // The fixtures' stage under test uses the named context TARGET_CONTEXT, which names CONFORMANCE_STRATEGY;
  // register the strategy under test behind that name. `inline` is run by the runner itself, so for it
  // the context is redefined to `inline` instead.
  const alias: Strategy = {
    name: CONFORMANCE_STRATEGY,
    isolated: strategy.isolated,
    validate: strategy.validate === undefined ? undefined : (stage) => strategy.validate!(stage),
    createExecutor: (host) => strategy.createExecutor(host),
  };
  const run = <S>(p: Pipeline<S>, o: RunOptions<S>): Promise<RunResult> => {
    const registry = new Registry();
    for (const plugin of options.plugins ?? []) registry.use(plugin);
    if (strategy.name === 'inline') {
      return p.extend(`${p.name}-inline`, (q) => q.context(TARGET_CONTEXT, { strategy: 'inline' })).run({ ...o, registry });
    }
    registry.use({ name: `conformance:${strategy.name}`, strategies: [alias] });
    const t = options.transport;
    if (t === undefined) return p.run({ ...o, registry });
    registry.use({
      name: `conformance:${t.name}`,
      transports: [{ name: CONFORMANCE_TRANSPORT, workerModule: t.workerModule, open: (stage) => t.open(stage) }],
    });
    return ((VIA_TRANSPORT.get(p as never) as Pipeline<S> | undefined) ?? p).run({ ...o, registry });
  };
  const cases: Array<[string, () => Promise<void>]> = [
    [
      'delivers every item exactly once, duplicates kept',
      async () => {
        const r = await run(basicPipeline, { state: state({ count: 100 }) });
        assert.equal(r.status, 'completed');
        assert.deepEqual(
          sorted(r.collected.out),
          range(100, (i) => i * 3),
        );
        assert.equal(r.stats.stages.work!.done, 100);
        // out.total() called by the stage under test (with input 0) reached the run's figures.
        assert.equal(r.stats.stages.work!.total, 100);
        assertAccounting(r);
      },
    ],
    [
      'handles empty input and a single item',
      async () => {
        const empty = await run(basicPipeline, { state: state({ count: 0 }) });
        assert.equal(empty.status, 'completed');
        assert.equal(empty.collected.out, undefined);
        const one = await run(basicPipeline, { state: state({ count: 1 }) });
        assert.deepEqual(one.collected.out, [0]);
      },
    ],
    [
      'runs inputs concurrently up to concurrency',
      async () => {
        const r = await run(basicPipeline, { state: state({ count: 12, delays: [150] }) });
        assert.equal(r.status, 'completed');
        // The most inputs running at one moment (start-up costs of workers do not matter here).
        const spans = r.collected.timeline as Array<{ start: number; end: number }>;
        const overlap = Math.max(...spans.map((s) => spans.filter((o) => o.start <= s.start && s.start < o.end).length));
        assert.ok(overlap >= 2, `inputs never overlapped (concurrency 4)`);
        assert.ok(overlap <= 4, `${overlap} inputs ran at once, above concurrency 4`);
      },
    ],
    [
      'keeps input order with ordered: true',
      async () => {
        const r = await run(orderedPipeline, { state: state({ count: 40, delays: [30, 1, 12, 5, 20] }) });
        assert.equal(r.status, 'completed');
        assert.deepEqual(r.collected.out, range(40));
      },
    ],
    [
      'records failures with stage, message and input, and goes on',
      async () => {
        const r = await run(basicPipeline, { state: state({ count: 20, failOn: [3, 7] }) });
        assert.equal(r.status, 'completed');
        assert.deepEqual(
          sorted(r.collected.out),
          range(20)
            .filter((i) => i !== 3 && i !== 7)
            .map((i) => i * 3),
        );
        const items = r.errors.filter((e) => e.kind === 'item');
        assert.equal(items.length, 2);
        for (const e of items) {
          assert.equal(e.stage, 'work');
          assert.match(e.message, /conformance failure on [37]/);
          assert.equal(e.error.name, 'RangeError');
          assert.ok([3, 7].includes(e.input as number));
        }
        assert.equal(r.stats.stages.work!.failed, 2);
        assertAccounting(r);
      },
    ],
    [
      'retries a failed attempt',
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'minigun-conformance-'));
        try {
          const r = await run(retryPipeline, { state: state({ count: 10, dir }) });
          assert.equal(r.status, 'completed');
          assert.deepEqual(sorted(r.collected.out), range(10));
          assert.equal(r.stats.stages.work!.retried, 10);
          assert.equal(r.errors.length, 0);
          const attempts = sorted(r.collected.attempts);
          // Executor-based strategies deliver only the successful attempt's emits; inline delivers as it emits.
          if (strategy.name !== 'inline') assert.deepEqual(attempts, range(10));
          else
            assert.deepEqual(
              attempts,
              range(10).flatMap((i) => [i, i]),
            );
          assertAccounting(r);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    ],
    [
      'runs hooks in order and routes and collects from inside the stage',
      async () => {
        const r = await run(hooksPipeline, { state: state({ count: 10 }) });
        assert.equal(r.status, 'completed');
        assert.deepEqual(sorted(r.collected.seen), range(10));
        assert.deepEqual(sorted(r.collected.evens), [0, 2, 4, 6, 8]);
        assert.deepEqual(sorted(r.collected.odds), [1, 3, 5, 7, 9]);
        const events = r.collected.events as string[];
        assert.equal(events[0], 'beforeRun');
        assert.equal(events[events.length - 1], 'afterRun');
        assert.ok(events.indexOf('before') < events.indexOf('inline-before'), 'stage-level before runs before inline before');
        assert.ok(events.indexOf('inline-before') < events.indexOf('after'));
        if (strategy.isolated) {
          assert.ok(events.includes('beforeFork'), 'beforeFork ran in the parent');
          assert.ok((r.collected.forks ?? []).length >= 1, 'afterFork ran in a worker and its collect reached the parent');
        } else {
          assert.ok(!events.includes('beforeFork'), 'a non-isolated strategy does not fork');
        }
      },
    ],
    [
      'holds backpressure: the producer stays within the queue bounds',
      async () => {
        const r = await run(backpressurePipeline, { state: state({ count: 60, delays: [5] }) });
        assert.equal(r.status, 'completed');
        const lag = Math.max(...(r.collected.lag as number[]));
        // Queues of 4 and 4, two slots, one item in hand: far less than the 60 an unbounded producer reaches.
        assert.ok(lag <= 16, `producer ran ${lag} items ahead of the sink`);
      },
    ],
    [
      'cancels: status cancelled, afterRun runs, accounting holds, nothing hangs',
      async () => {
        const controller = new AbortController();
        const started = Date.now();
        setTimeout(() => controller.abort(), 150);
        const r = await run(cancelPipeline, { state: state({ count: 1_000_000 }), signal: controller.signal, graceMs: 2000 });
        assert.equal(r.status, 'cancelled');
        assert.deepEqual(r.collected.events, ['afterRun']);
        assert.ok(Date.now() - started < 10_000, 'cancellation did not hang');
        assert.equal(r.stats.stages.source!.cancelled, 1, 'the producer was stopped');
        assert.ok((r.collected.out ?? []).length < 1000, 'work stopped soon after the signal');
        assert.equal(r.errors.filter((e) => e.kind === 'item').length, 0, 'cancelled inputs are not errors');
        assertAccounting(r);
      },
    ],
    [
      'keeps what an input that finishes in the grace period collected',
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'minigun-conformance-'));
        try {
          const controller = new AbortController();
          const running = run(graceCollectPipeline, { state: state({ count: 1, dir }), signal: controller.signal, graceMs: 20_000 });
          const started = Date.now();
          while (!existsSync(join(dir, 'started-0')) && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 10));
          controller.abort();
          const r = await running;
          assert.equal(r.status, 'cancelled');
          assert.equal(r.stats.stages.work!.done, 1, 'the input finished in the grace period and counts as done');
          assert.deepEqual(r.collected.kept, [0], 'what it collected is in the result');
          assertAccounting(r);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    ],
  ];
  if (options.producers !== false) {
    cases.push([
      'runs a producer',
      async () => {
        const r = await run(producerPipeline, { state: state({ count: 30 }) });
        assert.equal(r.status, 'completed');
        assert.deepEqual(
          sorted(r.collected.out),
          range(30, (i) => i * 3),
        );
        assertAccounting(r);
      },
    ]);
    for (const checkSignal of [true, false]) {
      cases.push([
        `cancels a run whose producer runs in the strategy (${checkSignal ? 'it watches ctx.signal' : 'it only awaits out.emit'})`,
        async () => {
          const controller = new AbortController();
          const started = Date.now();
          // Once items flow: the producer is running in its worker, not starting up.
          let timer: NodeJS.Timeout | undefined;
          const r = await run(producerCancelPipeline, {
            state: state({ checkSignal }),
            signal: controller.signal,
            graceMs: 3000,
            progressIntervalMs: 20,
            progress: (e) => {
              if (timer === undefined && (e.stages.sink?.done ?? 0) > 0) timer = setTimeout(() => controller.abort(), 100);
            },
          });
          clearTimeout(timer);
          assert.equal(r.status, 'cancelled');
          assert.deepEqual(r.collected.events, ['afterRun']);
          assert.ok((r.collected.out ?? []).length > 0, 'items flowed before the signal');
          assert.equal(r.stats.stages.source!.cancelled, 1, 'the producer counts as cancelled, not failed');
          assert.equal(r.errors.filter((e) => e.kind === 'item').length, 0, 'a cancelled producer is not an error');
          // It stopped at the signal, not after the grace period.
          assert.ok(Date.now() - started < 20_000, 'cancellation did not hang');
          assertAccounting(r);
        },
      ]);
    }
    if (strategy.isolated) {
      cases.push([
        'fails a producer that collects a value that cannot cross, naming stage and path',
        async () => {
          const ok = await run(producerCollectPipeline, { state: state({ count: 5 }) });
          assert.deepEqual(ok.collected.first, [{ client: 'plain' }]);
          assert.deepEqual(sorted(ok.collected.out), range(5));
          const r = await run(producerCollectPipeline, { state: state({ count: 5, collectUncloneable: true }) });
          assert.equal(r.status, 'completed');
          assert.equal(r.collected.first, undefined, 'the value did not arrive');
          assert.equal(r.stats.stages.source!.failed, 1);
          const errors = r.errors.filter((e) => e.kind === 'item');
          assert.equal(errors.length, 1);
          assert.equal(errors[0]!.stage, 'source');
          assert.equal((errors[0]!.error as Error & { code?: string }).code, 'ERR_MINIGUN_UNCLONEABLE');
          assert.match(errors[0]!.message, /"source"/);
          assert.match(errors[0]!.message, /the value collected under "first"\.client\.query is a function/);
          assertAccounting(r);
        },
      ]);
    }
  }
  // Over a transport they would run exactly as without one: a custom stage's items stream over the channel.
  if (options.customStages !== false && options.transport === undefined) cases.push(...customStageCases(strategy, run));
  if (strategy.isolated && options.transport === undefined) {
    cases.push([
      'fails every input with a clear error when a transport’s worker half cannot be imported',
      async () => {
        const workerModule = new URL('./minigun-conformance-missing-transport.mjs', `file://${tmpdir()}/`).href;
        const broken: Transport = {
          name: CONFORMANCE_TRANSPORT,
          workerModule,
          open: async () => ({
            config: {},
            read: () => ({ [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) }),
            discard: async () => undefined,
            close: async () => undefined,
          }),
        };
        const registry = new Registry();
        for (const plugin of options.plugins ?? []) registry.use(plugin);
        registry.use({ name: `conformance:${strategy.name}`, strategies: [alias] }).use({ name: 'conformance:broken-transport', transports: [broken] });
        const r = await basicPipelineViaTransport.run({ state: state({ count: 4 }), registry });
        assert.equal(r.status, 'completed');
        assert.equal(r.collected.out, undefined, 'nothing was delivered');
        const items = r.errors.filter((e) => e.kind === 'item');
        assert.equal(items.length, 4, 'every input failed');
        for (const e of items) {
          assert.equal(e.stage, 'work');
          assert.equal((e.error as Error & { code?: string }).code, 'ERR_MINIGUN_TRANSPORT');
          assert.ok(
            e.message.includes(CONFORMANCE_TRANSPORT) && e.message.includes(workerModule),
            `the error names the transport and its module: ${e.message}`,
          );
        }
        assertAccounting(r);
      },
    ]);
  }
  const label = options.transport === undefined ? strategy.name : `${strategy.name} over ${options.transport.name}`;
  return cases.map(([name, fn]) => ({ name: `${label}: ${name}`, timeoutMs, run: fn }));
}

/** Where an item error came from, for assertions: its code, or the error's name. */
function codeOf(e: { error: Error }): string | undefined {
  return (e.error as Error & { code?: string }).code;
}

/**
 * Custom stages (`p.stage`) in the strategy under test: each reader is one call of the stage function that
 * reads its input stream where the strategy runs it (a worker, for isolated strategies).
 */
function customStageCases(strategy: Strategy, run: <S>(p: Pipeline<S>, o: RunOptions<S>) => Promise<RunResult>): Array<[string, () => Promise<void>]> {
  const cases: Array<[string, () => Promise<void>]> = [
    [
      'runs a custom stage: its readers read the input stream where the strategy runs them, and their emits reach downstream',
      async () => {
        const r = await run(customPipeline, { state: state({ count: 40, delays: [2] }) });
        assert.equal(r.status, 'completed');
        assert.deepEqual(
          sorted(r.collected.out),
          range(40, (i) => i * 3),
        );
        const reads = r.collected.read as Array<{ n: number; workerId: number | null }>;
        assert.deepEqual(
          reads.map((x) => x.n).sort((a, b) => a - b),
          range(40),
          'every item read once',
        );
        if (strategy.isolated)
          assert.ok(
            reads.every((x) => typeof x.workerId === 'number'),
            'read inside a worker (ctx.workerId is set)',
          );
        const summary = r.collected.summary as Array<{ read: number }>;
        assert.equal(summary.length, 2, 'both readers ran to the end of their input and routed a summary with out.to()');
        assert.equal(
          summary.reduce((a, s) => a + s.read, 0),
          40,
        );
        assert.deepEqual(r.collected.ended, [{ aborted: false }, { aborted: false }]);
        assert.deepEqual(r.errors, []);
        const s = r.stats.stages.custom!;
        assert.equal(s.in, 40);
        assert.equal(s.done, 40);
        assert.equal(s.out, 42);
        assertAccounting(r);
      },
    ],
    [
      'a custom stage that throws fails the item it held, naming the stage; the other reader goes on',
      async () => {
        const r = await run(customPipeline, { state: state({ count: 30, failOn: [7], delays: [1] }) });
        assert.equal(r.status, 'completed');
        const items = r.errors.filter((e) => e.kind === 'item');
        assert.equal(items.length, 1, `one error: ${items.map((e) => e.message).join('; ')}`);
        assert.equal(items[0]!.stage, 'custom');
        assert.equal(items[0]!.input, 7, 'the error carries the item the reader held');
        assert.equal(items[0]!.error.name, 'RangeError');
        assert.match(items[0]!.message, /conformance failure on 7/);
        assert.deepEqual(
          sorted(r.collected.out),
          range(30)
            .filter((i) => i !== 7)
            .map((i) => i * 3),
          'what the failed reader had not read went to the other one',
        );
        assert.equal((r.collected.summary ?? []).length, 1);
        const s = r.stats.stages.custom!;
        assert.equal(s.failed, 1);
        assert.equal(s.done, 29);
        assertAccounting(r);
      },
    ],
    [
      'cancels a custom stage: its input stream ends and ctx.signal aborts where it runs, nothing hangs',
      async () => {
        const controller = new AbortController();
        const started = Date.now();
        let timer: NodeJS.Timeout | undefined;
        const r = await run(customPipeline, {
          state: state({ count: 1_000_000, delays: [20] }),
          signal: controller.signal,
          graceMs: 5000,
          progressIntervalMs: 20,
          progress: (e) => {
            // Once items flow through the readers: they run in their workers, not starting up.
            if (timer === undefined && (e.stages.custom?.done ?? 0) > 0) timer = setTimeout(() => controller.abort(), 100);
          },
        });
        clearTimeout(timer);
        assert.equal(r.status, 'cancelled');
        assert.deepEqual(r.collected.events, ['afterRun']);
        assert.ok((r.collected.out ?? []).length > 0, 'items flowed before the signal');
        assert.ok(Date.now() - started < 20_000, 'cancellation did not hang');
        assert.deepEqual(
          r.collected.ended,
          [{ aborted: true }, { aborted: true }],
          'each reader saw its input end and ctx.signal aborted, and its collect was kept',
        );
        assert.equal(r.errors.filter((e) => e.kind === 'item').length, 0, 'cancelled items are not errors');
        assert.ok(r.stats.stages.custom!.cancelled > 0, 'the items queued when it stopped count as cancelled');
        assertAccounting(r);
      },
    ],
    [
      'holds backpressure through a custom stage: the producer stays within the queues and the window',
      async () => {
        const r = await run(customBackpressurePipeline, { state: state({ count: 60, delays: [5] }) });
        assert.equal(r.status, 'completed');
        assert.equal(r.stats.stages.custom!.done, 60);
        const lag = Math.max(...(r.collected.lag as number[]));
        // Queues of 4 and 4 (each plus a waiting emitter), one item held and, in a worker, STREAM_WINDOW (4)
        // sent ahead: far less than the 60 an unbounded reader reaches.
        assert.ok(lag <= 20, `producer ran ${lag} items ahead of the sink`);
      },
    ],
  ];
  if (strategy.isolated) {
    cases.push([
      'a worker that dies under a custom stage fails the item its reader held, naming the stage, and the run ends',
      async () => {
        const r = await run(customOneReaderPipeline, { state: state({ count: 10, exitOn: 3 }) });
        assert.equal(r.status, 'completed');
        const died = r.errors.filter((e) => codeOf(e) === 'ERR_MINIGUN_WORKER_DIED');
        assert.equal(died.length, 1, `one worker death: ${r.errors.map((e) => e.message).join('; ')}`);
        assert.equal(died[0]!.stage, 'custom');
        assert.equal(died[0]!.input, 3, 'the item the reader held');
        assert.match(died[0]!.message, /"custom"/);
        assert.match(died[0]!.message, /7/, 'the exit code is in the message');
        // Its only reader is gone: what it had not read fails clearly instead of waiting for nobody.
        for (const e of r.errors.filter((x) => x !== died[0])) {
          assert.equal(e.stage, 'custom');
          assert.equal(codeOf(e), 'ERR_MINIGUN_STAGE_CLOSED');
        }
        assert.deepEqual(sorted(r.collected.out), [0, 3, 6]);
        const s = r.stats.stages.custom!;
        assert.equal(s.done, 3);
        assert.equal(s.failed, 7);
        assertAccounting(r);
      },
    ]);
  }
  return cases;
}

/** Runs every case and reports; for scripts and runners without per-case wiring. */
export async function runConformance(options: ConformanceOptions): Promise<Array<{ name: string; ok: boolean; error?: Error }>> {
  const results: Array<{ name: string; ok: boolean; error?: Error }> = [];
  for (const c of conformanceCases(options)) {
    try {
      await c.run();
      results.push({ name: c.name, ok: true });
    } catch (e) {
      results.push({ name: c.name, ok: false, error: e as Error });
    }
  }
  return results;
}

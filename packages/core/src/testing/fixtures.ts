/**
 * Pipelines the conformance suite runs. They are defined at module top level with `module:
 * import.meta.url`, so an isolated strategy's workers can import this module and find each stage by
 * pipeline and stage name. The stage under test always uses the strategy name `CONFORMANCE_STRATEGY`; the
 * suite registers the plugin's strategy under that name in a private registry.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineBuilder } from '../definition/builder.js';
import { pipeline, type Pipeline } from '../pipeline.js';
import type { StageOptions } from '../types.js';

export const CONFORMANCE_STRATEGY = 'minigun-conformance-target';
/** The transport name the `+transport` variants of the fixtures use; the suite registers the transport under test behind it. */
export const CONFORMANCE_TRANSPORT = 'minigun-conformance-transport';

/**
 * The module isolated workers import. Run from the TypeScript sources (this repository's own tests), the
 * workers load the built bundle instead: the same definitions, without compiling core's sources in every
 * worker. Installed from npm, this file is the bundle already.
 */
const here = import.meta.url;
const built = here.endsWith('/src/testing/fixtures.ts') ? new URL('../../dist/testing.js', here) : undefined;
const module = built !== undefined && existsSync(built) ? built.href : here;

/** What the fixtures read from `ctx.state`; plain data so it crosses into isolated workers. */
export interface ConformanceState {
  /** Items the producer emits. */
  count: number;
  /** Per-input delay of the stage under test, in ms (`delays[i % delays.length]`). */
  delays: number[];
  /** Inputs (values) on which the stage under test throws. */
  failOn: number[];
  /** A directory for the retry fixture's first-attempt markers. */
  dir: string;
  factor: number;
  /** Set by the inline producer: how many items it has emitted so far. */
  emitted: number;
  /** Set by the inline sink of the backpressure fixture: how many items it has received so far. */
  received: number;
  /** The endless producer under test stops when ctx.signal aborts (else it only sees its emits fail). */
  checkSignal?: boolean;
  /** The producer of the collect fixture collects a value that cannot cross (made where it runs). */
  collectUncloneable?: boolean;
  /** The custom stage under test ends its worker (process.exit) when it reads this input. */
  exitOn?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** The stage under test joins the named context `target`; the suite may redefine it (inline runs). */
const target = (options: StageOptions<ConformanceState> = {}): StageOptions<ConformanceState> => ({ context: 'target', ...options });
export const TARGET_CONTEXT = 'target';

function produce(p: PipelineBuilder<ConformanceState>): void {
  p.context(TARGET_CONTEXT, { strategy: CONFORMANCE_STRATEGY });
  p.producer('source', async (out, ctx) => {
    for (let i = 0; i < ctx.state.count; i++) {
      ctx.state.emitted = i + 1;
      await out.emit(i);
    }
  });
}

/**
 * source → work (under test) → sink; work multiplies by state.factor after a delay and throws on failOn.
 * Its input 0 announces `count` with out.total() (progress figures from wherever the stage runs).
 */
export const basicPipeline = pipeline<ConformanceState>('conformance-basic', { module }, (p) => {
  produce(p);
  p.processor('work', target({ concurrency: 4 }), async (n: number, out, ctx) => {
    const { delays, failOn, factor } = ctx.state;
    if (n === 0) out.total(ctx.state.count);
    const start = Date.now();
    if (delays.length > 0) await sleep(delays[n % delays.length]!);
    if (failOn.includes(n)) throw new RangeError(`conformance failure on ${n}`);
    ctx.collect('timeline', { n, pid: ctx.pid, start, end: Date.now() });
    return n * factor;
  });
  p.consumer('sink', (n: number, _out, ctx) => {
    ctx.collect('out', n);
  });
});

/** Same shape with `ordered: true`. */
export const orderedPipeline = pipeline<ConformanceState>('conformance-ordered', { module }, (p) => {
  produce(p);
  p.processor('work', target({ concurrency: 4, ordered: true }), async (n: number, _out, ctx) => {
    const { delays } = ctx.state;
    if (delays.length > 0) await sleep(delays[n % delays.length]!);
    return n;
  });
  p.consumer('sink', (n: number, _out, ctx) => {
    ctx.collect('out', n);
  });
});

/** The stage under test fails the first attempt of each input (a marker file says it was tried) and has retries: 1. */
export const retryPipeline = pipeline<ConformanceState>('conformance-retry', { module }, (p) => {
  produce(p);
  p.processor('work', target({ concurrency: 2, retries: 1 }), (n: number, out, ctx) => {
    const marker = join(ctx.state.dir, `attempt-${n}`);
    // Emit before failing: the strategy decides whether a failed attempt's emits are delivered (isolated: never).
    void out.to('attempts').emit(n);
    if (!existsSync(marker)) {
      writeFileSync(marker, 'tried');
      throw new Error(`first attempt of ${n}`);
    }
    return n;
  });
  p.consumer('sink', (n: number, _out, ctx) => {
    ctx.collect('out', n);
  });
  p.consumer('attempts', { from: [] }, (n: number, _out, ctx) => {
    ctx.collect('attempts', n);
  });
});

/** Hooks around the stage under test, and dynamic routing and collect from inside it. */
export const hooksPipeline = pipeline<ConformanceState>('conformance-hooks', { module }, (p) => {
  p.beforeRun((ctx) => ctx.collect('events', 'beforeRun'));
  produce(p);
  p.processor('work', target({ concurrency: 2, hooks: { before: (ctx) => ctx.collect('events', 'inline-before') } }), (n: number, out, ctx) => {
    ctx.collect('seen', n);
    if (n % 2 === 0) return out.to('evens').emit(n);
    return n;
  });
  p.consumer('odds', (n: number, _out, ctx) => {
    ctx.collect('odds', n);
  });
  p.consumer('evens', { from: [] }, (n: number, _out, ctx) => {
    ctx.collect('evens', n);
  });
  p.before('work', (ctx) => ctx.collect('events', 'before'));
  p.after('work', (ctx) => ctx.collect('events', 'after'));
  p.beforeFork('work', (ctx) => ctx.collect('events', 'beforeFork'));
  p.afterFork('work', (ctx) => ctx.collect('forks', { pid: ctx.pid }));
  p.afterRun((ctx) => ctx.collect('events', 'afterRun'));
});

/** A slow stage under test behind a small queue: the producer may not run far ahead. */
export const backpressurePipeline = pipeline<ConformanceState>('conformance-backpressure', { module }, (p) => {
  produce(p);
  p.processor('work', target({ concurrency: 2, queueSize: 4 }), async (n: number, _out, ctx) => {
    await sleep(ctx.state.delays[0] ?? 5);
    return n;
  });
  p.consumer('sink', { queueSize: 4 }, (_n: number, _out, ctx) => {
    // Items the producer has emitted that the sink has not received yet: what the queues hold. (Counted,
    // not `emitted - n`: an input that is slow once lets later ones pass it, which is not buffering.)
    ctx.collect('lag', ctx.state.emitted - ctx.state.received);
    ctx.state.received++;
  });
});

/** The producer itself runs in the strategy under test. */
export const producerPipeline = pipeline<ConformanceState>('conformance-producer', { module }, (p) => {
  p.context(TARGET_CONTEXT, { strategy: CONFORMANCE_STRATEGY });
  p.producer('source', target(), async (out, ctx) => {
    for (let i = 0; i < ctx.state.count; i++) await out.emit(i * ctx.state.factor);
  });
  p.consumer('sink', (n: number, _out, ctx) => {
    ctx.collect('out', n);
  });
});

/** A slow stage under test and an endless producer, for cancellation. */
export const cancelPipeline = pipeline<ConformanceState>('conformance-cancel', { module }, (p) => {
  produce(p);
  p.processor('work', target({ concurrency: 2, queueSize: 4 }), async (n: number) => {
    await sleep(50);
    return n;
  });
  p.consumer('sink', (n: number, _out, ctx) => {
    ctx.collect('out', n);
  });
  p.afterRun((ctx) => ctx.collect('events', 'afterRun'));
});

/**
 * An endless producer running in the strategy under test, for cancellation: it either watches ctx.signal or
 * only meets its emits failing once the run stops.
 */
export const producerCancelPipeline = pipeline<ConformanceState>('conformance-producer-cancel', { module }, (p) => {
  p.context(TARGET_CONTEXT, { strategy: CONFORMANCE_STRATEGY });
  p.producer('source', target(), async (out, ctx) => {
    for (let i = 0; !(ctx.state.checkSignal === true && ctx.signal.aborted); i++) await out.emit(i);
  });
  p.consumer('sink', { queueSize: 8 }, async (n: number, _out, ctx) => {
    await sleep(2);
    ctx.collect('out', n);
  });
  p.afterRun((ctx) => ctx.collect('events', 'afterRun'));
});

/** A producer in the strategy under test that collects once (maybe a client object), then emits `count` items. */
export const producerCollectPipeline = pipeline<ConformanceState>('conformance-producer-collect', { module }, (p) => {
  p.context(TARGET_CONTEXT, { strategy: CONFORMANCE_STRATEGY });
  p.producer('source', target(), async (out, ctx) => {
    ctx.collect('first', ctx.state.collectUncloneable === true ? { client: { query: () => 1 } } : { client: 'plain' });
    for (let i = 0; i < ctx.state.count; i++) await out.emit(i);
  });
  p.consumer('sink', (n: number, _out, ctx) => {
    ctx.collect('out', n);
  });
});

/**
 * One slow input, for a stop during the grace period: the consumer under test marks its start in
 * `state.dir`, then ignores the signal, sleeps and collects; the input ends done, and what it collected is kept.
 */
export const graceCollectPipeline = pipeline<ConformanceState>('conformance-grace-collect', { module }, (p) => {
  produce(p);
  p.consumer('work', target(), async (n: number, _out, ctx) => {
    writeFileSync(join(ctx.state.dir, `started-${n}`), '');
    await sleep(400);
    ctx.collect('kept', n);
  });
  p.afterRun((ctx) => ctx.collect('events', 'afterRun'));
});

/**
 * A custom stage under test (`p.stage`, two readers sharing its input stream) between an inline producer and
 * sink. Each reader delays and multiplies what it reads (throwing on `failOn`, ending its worker on
 * `exitOn`), collects what it read and where, and once its input ends collects whether ctx.signal aborted and
 * sends a summary with out.to().
 */
const defineCustom =
  (concurrency: number) =>
  (p: PipelineBuilder<ConformanceState>): void => {
    produce(p);
    p.stage('custom', target({ concurrency }), async (input, out, ctx) => {
      let read = 0;
      for await (const n of input as AsyncIterable<number>) {
        const { delays, failOn, factor } = ctx.state;
        if (failOn.includes(n)) throw new RangeError(`conformance failure on ${n}`);
        if (ctx.state.exitOn === n) {
          await sleep(50); // lets the report that it took n reach the parent first
          process.exit(7);
        }
        if (delays.length > 0) await sleep(delays[n % delays.length]!);
        read++;
        ctx.collect('read', { n, workerId: ctx.workerId ?? null });
        try {
          await out.emit(n * factor);
        } catch (error) {
          // Refused because the run was cancelled: leave the loop (its input has ended anyway).
          if (!ctx.signal.aborted) throw error;
          break;
        }
      }
      ctx.collect('ended', { aborted: ctx.signal.aborted });
      await out.to('summary').emit({ read });
    });
    p.consumer('sink', (n: number, _out, ctx) => {
      ctx.collect('out', n);
    });
    p.consumer('summary', { from: [] }, (s: { read: number }, _out, ctx) => {
      ctx.collect('summary', s);
    });
    p.afterRun((ctx) => ctx.collect('events', 'afterRun'));
  };
export const customPipeline = pipeline<ConformanceState>('conformance-custom', { module }, defineCustom(2));
/** The same with one reader. */
export const customOneReaderPipeline = pipeline<ConformanceState>('conformance-custom-one', { module }, defineCustom(1));

/** A slow custom stage under test (one reader) behind a small queue: the producer may not run far ahead. */
export const customBackpressurePipeline = pipeline<ConformanceState>('conformance-custom-backpressure', { module }, (p) => {
  produce(p);
  p.stage('custom', target({ queueSize: 4 }), async (input, out, ctx) => {
    for await (const n of input as AsyncIterable<number>) {
      await sleep(ctx.state.delays[0] ?? 5);
      await out.emit(n);
    }
  });
  p.consumer('sink', { queueSize: 4 }, (_n: number, _out, ctx) => {
    ctx.collect('lag', ctx.state.emitted - ctx.state.received);
    ctx.state.received++;
  });
});

/**
 * Each fixture again, with the stage under test on the transport `CONFORMANCE_TRANSPORT`: exported (not
 * built by the suite at run time) so that workers importing this module find them by name.
 */
const viaTransport = (p: Pipeline<ConformanceState>): Pipeline<ConformanceState> =>
  p.extend(`${p.name}+transport`, (q) => q.context(TARGET_CONTEXT, { strategy: CONFORMANCE_STRATEGY, transport: CONFORMANCE_TRANSPORT }));
export const basicPipelineViaTransport = viaTransport(basicPipeline);
export const orderedPipelineViaTransport = viaTransport(orderedPipeline);
export const retryPipelineViaTransport = viaTransport(retryPipeline);
export const hooksPipelineViaTransport = viaTransport(hooksPipeline);
export const backpressurePipelineViaTransport = viaTransport(backpressurePipeline);
export const producerPipelineViaTransport = viaTransport(producerPipeline);
export const cancelPipelineViaTransport = viaTransport(cancelPipeline);
export const producerCancelPipelineViaTransport = viaTransport(producerCancelPipeline);
export const producerCollectPipelineViaTransport = viaTransport(producerCollectPipeline);
export const graceCollectPipelineViaTransport = viaTransport(graceCollectPipeline);

/** The transport variant of each fixture. */
export const VIA_TRANSPORT = new Map<Pipeline<ConformanceState>, Pipeline<ConformanceState>>([
  [basicPipeline, basicPipelineViaTransport],
  [orderedPipeline, orderedPipelineViaTransport],
  [retryPipeline, retryPipelineViaTransport],
  [hooksPipeline, hooksPipelineViaTransport],
  [backpressurePipeline, backpressurePipelineViaTransport],
  [producerPipeline, producerPipelineViaTransport],
  [cancelPipeline, cancelPipelineViaTransport],
  [producerCancelPipeline, producerCancelPipelineViaTransport],
  [producerCollectPipeline, producerCollectPipelineViaTransport],
  [graceCollectPipeline, graceCollectPipelineViaTransport],
]);

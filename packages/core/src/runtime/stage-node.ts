/** The runtime state of one stage during one run: its queue, slots, phase and counters. */
import type { CompiledStage } from '../definition/compile.js';
import type { OpenTransport, StageExecutor } from '../strategy/strategy.js';
import type { Output, RunContext, WorkerInfo } from '../types.js';
import { Deque } from './deque.js';
import { demand, partition, roundRobin, type Dispatcher } from './dispatch.js';
import { StageCounters, type StageShape } from './stats.js';
import type { HeldStream } from './streamed.js';

/** An emit held back (ordered output, isolated attempts) until it may be delivered. */
export interface HeldEmit {
  /** Named targets (`out.to(name)`: a stage, or a nested pipeline's entry stages); undefined for the stage's own targets. */
  readonly to?: readonly StageNode[];
  readonly item: unknown;
}

/** What ordered output holds for an input: its emits, `null` when it failed, or the stream to read them from. */
export type HeldOutput = HeldEmit[] | null | HeldStream;

export interface AccumulatorBuffer {
  items: unknown[];
  timer?: NodeJS.Timeout;
}

/**
 * Lifecycle: `open` (receiving) → `closing` (every source has finished and the run was quiescent: an
 * accumulator flushes, a custom stage's input ends) → `finished` (idle again; its `after` hooks run).
 */
export type Phase = 'open' | 'closing' | 'finished';

export class StageNode implements StageShape {
  readonly name: string;
  readonly kind: CompiledStage['kind'];
  readonly strategy: string;
  readonly concurrency: number;
  readonly capacity: number;
  readonly retries: number;
  readonly ordered: boolean;
  readonly counters = new StageCounters();
  readonly queue = new Deque<unknown>();
  readonly targets: StageNode[] = [];
  readonly sources: StageNode[] = [];
  /** Resolved `out.to(name)` targets. */
  readonly routes = new Map<string, readonly StageNode[]>();

  active = 0;
  /** How many inputs may run at once: `concurrency`, or what the strategy asks for (`Strategy.slots`). */
  slots: number;
  phase: Phase = 'open';
  pumping = false;
  /** Resolvers of emits that pushed this queue past its capacity. */
  roomWaiters: Array<() => void> = [];
  /** How emitted items are distributed over several targets; undefined: broadcast. */
  readonly dispatcher?: Dispatcher;
  /** A processor's returned value is emitted. */
  readonly emitsReturn: boolean;
  ctx!: RunContext;
  /** One `out` for every input when inputs cannot interleave (concurrency 1, unordered). */
  sharedOut?: Output;
  executor?: StageExecutor;
  /** The stage's transport for this run, when it is not the channel (isolated strategies only). */
  transport?: OpenTransport;

  // ordered output
  nextSeq = 0;
  releaseSeq = 0;
  readonly held = new Map<number, HeldOutput>();
  releasing = false;

  // accumulators
  readonly buffers = new Map<unknown, AccumulatorBuffer>();
  flushTail?: Promise<void>;

  // custom stages
  readers: Array<(r: IteratorResult<unknown>) => void> = [];
  runnersAlive = 0;
  /** Its readers have been started (from then on, none alive means none will read). */
  readersStarted = false;

  constructor(
    readonly spec: CompiledStage,
    pipeline: string,
  ) {
    this.name = spec.name;
    this.kind = spec.kind;
    this.strategy = spec.options.strategy;
    this.concurrency = spec.options.concurrency;
    this.slots = spec.options.concurrency;
    this.capacity = spec.options.queueSize;
    this.retries = spec.options.retries;
    this.ordered = spec.options.ordered && spec.options.concurrency > 1;
    this.dispatcher = dispatcherOf(spec, pipeline);
    this.emitsReturn = spec.kind === 'processor';
  }

  /** Inputs this stage could take now without anyone waiting: free slots plus room in its queue (for `demand`). */
  freeRoom(): number {
    if (this.kind === 'accumulator') return Math.max(0, this.capacity - this.bufferedCount());
    return Math.max(0, this.limit() - this.active) + Math.max(0, this.capacity - this.queue.length);
  }

  /** Inputs that may run now: the executor's current capacity (within the slots), else the slots. */
  limit(): number {
    const wanted = this.executor?.capacity?.();
    return wanted === undefined ? this.slots : Math.max(1, Math.min(this.slots, wanted));
  }

  workers(): readonly WorkerInfo[] | undefined {
    return this.executor?.workers?.();
  }

  details(): Readonly<Record<string, unknown>> | undefined {
    return this.executor?.details?.();
  }

  get depth(): number {
    return this.queue.length;
  }

  /** Queues an item; returns a promise (resolved by `releaseRoom`) only when the queue is over its capacity. */
  enqueue(item: unknown): void | Promise<void> {
    this.queue.push(item);
    const depth = this.queue.length;
    if (depth > this.counters.maxDepth) this.counters.maxDepth = depth;
    if (depth <= this.capacity) return;
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Wakes emitters waiting for room once the queue is back within its capacity. */
  releaseRoom(): void {
    if (this.roomWaiters.length > 0 && this.queue.length <= this.capacity) {
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const w of waiters) w();
    }
  }

  private downstream?: Set<StageNode>;

  /** Every stage reachable from this one by static edges (computed once). */
  descendants(): Set<StageNode> {
    if (this.downstream !== undefined) return this.downstream;
    const seen = new Set<StageNode>();
    const stack = [...this.targets];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(...n.targets);
      }
    }
    this.downstream = seen;
    return seen;
  }

  /**
   * Whether this stage's input can end (`all`: every stage of the run): every static source has finished. A
   * stage without static sources (reached only by out.to()) waits until every other stage has finished, since
   * any of them may route to it.
   */
  closable(all: readonly StageNode[]): boolean {
    if (this.kind === 'producer') return false; // a producer's input ends when it returns
    if (this.sources.length > 0) return this.sources.every((s) => s.phase === 'finished');
    const downstream = this.descendants();
    return all.every((n) => n === this || n.phase === 'finished' || downstream.has(n) || (n.kind !== 'producer' && n.sources.length === 0));
  }

  /**
   * Whether more inputs may still reach this stage along its static edges: a stage upstream is still
   * running, holds queued or buffered items, or is fed by one that does. A stage reached only by out.to()
   * always may. A hint (e.g. for workers started ahead): out.to() from anywhere is not foreseen.
   */
  mayReceiveInput(): boolean {
    if (this.sources.length === 0) return true;
    const seen = new Set<StageNode>();
    const feeding = (n: StageNode): boolean => {
      if (seen.has(n)) return false;
      seen.add(n);
      if (n.kind === 'producer') return n.phase === 'open';
      if (n.phase === 'finished') return false;
      if (n.active > 0 || n.queue.length > 0 || n.buffers.size > 0 || n.runnersAlive > 0 || n.sources.length === 0) return true;
      return n.sources.some(feeding);
    };
    return this.sources.some(feeding);
  }

  bufferedCount(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.items.length;
    return n;
  }
}

function dispatcherOf(spec: CompiledStage, pipeline: string): Dispatcher | undefined {
  const o = spec.options;
  switch (o.dispatch) {
    case 'broadcast':
      return undefined;
    case 'round-robin':
      return roundRobin();
    case 'demand':
      return demand();
    case 'partition':
      return partition(o.partitionKey!, o.partitionHash as ((key: unknown) => number) | undefined, { pipeline, stage: spec.name });
  }
}

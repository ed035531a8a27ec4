// A stand-in for core's pipeline builder: it records what a bundle registers, then fires hook points the
// way a run would, through the real HookSet and runHooks.
import { HookSet, runHooks } from '@minigun/hooks';
import type { HookContext, HookFn, HookInfo, HookPoint, HookTarget } from '@minigun/hooks';

type CtxHook = (ctx: HookContext, info: HookInfo) => unknown;

export interface FakeContext extends HookContext {
  readonly collected: Record<string, unknown[]>;
}

/** A context; pass the same `collected` to a parent and its "workers", as the run result does. */
export function fakeContext(fields: { pid?: number; workerId?: number; stage?: string } = {}, collected: Record<string, unknown[]> = {}): FakeContext {
  return {
    pid: fields.pid ?? 100,
    ...(fields.workerId === undefined ? {} : { workerId: fields.workerId }),
    ...(fields.stage === undefined ? {} : { stage: fields.stage }),
    collected,
    collect(key, value) {
      (collected[key] ??= []).push(value);
    },
  };
}

export class FakeTarget implements HookTarget {
  readonly hooks = new HookSet();

  beforeRun(fn: (ctx: HookContext) => unknown): void {
    this.#add('beforeRun', undefined, fn);
  }
  afterRun(fn: (ctx: HookContext, result: unknown) => unknown): void {
    this.#add('afterRun', undefined, fn);
  }
  beforeFork(fn: CtxHook): void;
  beforeFork(stage: string, fn: CtxHook): void;
  beforeFork(a: string | CtxHook, b?: CtxHook): void {
    this.#addStageForm('beforeFork', a, b);
  }
  afterFork(fn: CtxHook): void;
  afterFork(stage: string, fn: CtxHook): void;
  afterFork(a: string | CtxHook, b?: CtxHook): void {
    this.#addStageForm('afterFork', a, b);
  }
  before(stage: string, fn: CtxHook): void {
    this.#add('before', stage, fn);
  }
  after(stage: string, fn: CtxHook): void {
    this.#add('after', stage, fn);
  }
  onError(fn: (error: Error, info: HookInfo, ctx: HookContext) => unknown): void {
    this.#add('onError', undefined, fn);
  }

  /** Registrations as `point` or `point:stage`, in order. */
  registrations(): string[] {
    return this.hooks.all().map((h) => (h.stage === undefined ? h.point : `${h.point}:${h.stage}`));
  }

  /** Runs a point like the runner would; the first failing hook rejects. */
  async fire(point: HookPoint, stage: string | undefined, ...args: unknown[]): Promise<void> {
    await runHooks(this.hooks.list(point, stage), args, { policy: 'throw', stage });
  }

  #addStageForm(point: HookPoint, a: string | CtxHook, b?: CtxHook): void {
    if (typeof a === 'string') this.#add(point, a, b as HookFn);
    else this.#add(point, undefined, a);
  }

  #add(point: HookPoint, stage: string | undefined, fn: HookFn): void {
    this.hooks.add({ point, stage, level: stage === undefined ? 'pipeline' : 'stage', origin: 'test', depth: 0, fn });
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

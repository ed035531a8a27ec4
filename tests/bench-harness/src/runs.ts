/**
 * One run of a strategy bench's variant, returning the sum it computed: a Minigun pipeline (state
 * `{ count, arg, sum }`: the producer emits `count` inputs, the consumer adds every result to `sum`) or a raw
 * tinypool pool. Typed structurally, so that the harness depends on neither @minigun/core (which would make a
 * cycle: core's bench uses the harness) nor tinypool.
 */

/** `[0, 1, …, n - 1]`. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** The state of the strategy benches' pipelines (see each package's bench/define-pipelines.d.mts). */
export interface SumState {
  readonly count: number;
  readonly arg: number;
  sum: number;
}

/** What a Minigun run result tells: its status and its errors. */
export interface RunOutcome {
  readonly status: string;
  readonly errors: readonly { readonly message: string }[];
}

/** A Minigun `Pipeline<SumState>` as far as runForSum uses it. */
export interface SumPipeline<R> {
  readonly name: string;
  run(options: { state: SumState; registry: R }): Promise<RunOutcome>;
}

/** A Minigun run counts only if it completed without errors; otherwise its sum is not trusted. */
export function assertCompleted(result: RunOutcome, what: string): void {
  if (result.status !== 'completed' || result.errors.length > 0) {
    const first = result.errors[0]?.message ?? '';
    throw new Error(`${what}: run ${result.status} with ${result.errors.length} error(s)${first === '' ? '' : `: ${first}`}`);
  }
}

/** Runs a pipeline over `count` inputs with `arg` and returns the sum, or throws if the run did not complete without errors. */
export async function runForSum<R>(p: SumPipeline<R>, count: number, arg: number, registry: R): Promise<number> {
  const state: SumState = { count, arg, sum: 0 };
  assertCompleted(await p.run({ state, registry }), p.name);
  return state.sum;
}

/** A raw pool as poolSum uses it (tinypool's `run` and `destroy`). */
export interface TaskPool {
  run(task: number, options: { name: string }): Promise<unknown>;
  destroy(): Promise<void>;
}

/**
 * A cold raw run on a pool the caller has just created: every input through `pool.run()` at once, awaited
 * together, then the pool destroyed (all inside the timing, as Minigun starts and stops its pool in every
 * run). Returns the sum of the results.
 */
export async function poolSum(pool: TaskPool, name: string, inputs: readonly number[]): Promise<number> {
  try {
    const results = (await Promise.all(inputs.map((x) => pool.run(x, { name })))) as number[];
    let sum = 0;
    for (const r of results) sum += r;
    return sum;
  } finally {
    await pool.destroy();
  }
}

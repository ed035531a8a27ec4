/**
 * Timing of the benches: every variant of a workload is warmed up once, then timed `runs` times in
 * interleaved rounds (round 1 runs every variant, then round 2, …) so that a burst of load on this shared
 * machine hits all variants alike. A forced GC runs before each run (see exposeGc). Each run's value (a
 * sum) is checked against the workload's expected one; wrong values and exceptions are recorded, not thrown.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One way of running a workload. */
export interface Variant {
  /** Short label printed in the table. */
  readonly name: string;
  /** What the bench does with the row: `minigun` and `baseline` rows make the ratios, `reference` rows are for information. */
  readonly role: 'minigun' | 'baseline' | 'reference';
  /** One run over `count` inputs (the workload's `items`, or `warmItems` for the warm-up); returns the sum. */
  readonly run: (count: number) => Promise<number>;
}

export interface Workload {
  readonly id: string;
  readonly title: string;
  /** Inputs or items per timed run (for items/s). */
  readonly items: number;
  /** Inputs of the (untimed) warm-up run, when fewer than `items` (e.g. a run that forks a process per input). */
  readonly warmItems?: number;
  /** Timed runs of this workload, when it has its own count (then the result reports it); otherwise the `runs` option. */
  readonly runs?: number;
  /** The sum every variant must compute: a number, or a function of the run's input count. */
  readonly expected: number | ((count: number) => number);
  readonly variants: readonly Variant[];
}

export interface VariantResult {
  readonly name: string;
  readonly role: Variant['role'];
  /** Wall-clock milliseconds of each timed run, in run order (rounded to 0.1 ms). */
  readonly times: number[];
  readonly bestMs: number;
  readonly medianMs: number;
  /** Items per second of the best and of the median run. */
  readonly bestRate: number;
  readonly medianRate: number;
  /** What the variant computed (first wrong value if any run disagreed) and whether it matched `expected`. */
  readonly value: number;
  readonly correct: boolean;
  /** An exception thrown by the variant, if any (it is not run again). */
  readonly error?: string;
}

/** Variant rate ÷ the baseline's rate (> 1: faster than the baseline), from the best and from the median runs. */
export interface BaselineRatios {
  readonly ratioBest: number;
  readonly ratioMedian: number;
}

/** The median, over the timed runs, of how much each counter grew during a run. */
export type Counted<C extends string> = { readonly [K in C]: number };

export interface WorkloadResult<V extends VariantResult = VariantResult> {
  readonly id: string;
  readonly title: string;
  readonly items: number;
  /** Present when the workload set its own `runs`. */
  readonly runs?: number;
  readonly expected: number;
  readonly variants: V[];
}

export interface MeasureOptions<C extends string = never> {
  /** Timed runs, unless the workload sets its own. */
  readonly runs?: number;
  /** Progress messages (`w1: warm-up`, `w1: round 2/5`). */
  readonly log?: (msg: string) => void;
  /** Counters read before and after every run (e.g. children's CPU time); reported as the median growth per timed run. */
  readonly counters?: { readonly [K in C]: () => number };
}

/**
 * A GC function without depending on `node --expose-gc`: worker threads refuse that flag, so the thread and
 * fork benches run without it. Setting the V8 flag at run time and taking `gc` from a fresh context gives the
 * same function.
 */
export function exposeGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing !== undefined) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

const gc = exposeGc();

export function collectGarbage(): void {
  gc?.();
}

/** Whether garbage is collected before every run. */
export function hasGc(): boolean {
  return gc !== undefined;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Row {
  readonly v: Variant;
  readonly times: number[];
  readonly counts: Record<string, number[]>;
  value: number;
  correct: boolean;
  error: string | undefined;
}

/** The warm-up and the timed rounds; returns every variant's raw measurements. */
async function timeRounds(w: Workload, runs: number, options: MeasureOptions<string>): Promise<Row[]> {
  const expected = (count: number): number => (typeof w.expected === 'number' ? w.expected : w.expected(count));
  const counters = Object.entries(options.counters ?? {});
  const rows: Row[] = w.variants.map((v) => ({
    v,
    times: [],
    counts: Object.fromEntries(counters.map(([key]) => [key, []])),
    value: expected(w.items),
    correct: true,
    error: undefined,
  }));
  for (let round = 0; round <= runs; round++) {
    const warmUp = round === 0;
    options.log?.(warmUp ? `${w.id}: warm-up${w.warmItems === undefined ? '' : ` (${w.warmItems} inputs)`}` : `${w.id}: round ${round}/${runs}`);
    const count = warmUp ? (w.warmItems ?? w.items) : w.items;
    for (const row of rows) {
      if (row.error !== undefined) continue;
      try {
        collectGarbage();
        const before = counters.map(([, read]) => read());
        const t0 = performance.now();
        const value = await row.v.run(count);
        const ms = performance.now() - t0;
        const grown = counters.map(([, read], i) => read() - before[i]!);
        if (value !== expected(count) && row.correct) {
          row.correct = false;
          row.value = value;
        }
        if (!warmUp) {
          row.times.push(ms);
          counters.forEach(([key], i) => row.counts[key]!.push(grown[i]!));
        }
      } catch (e) {
        row.error = e instanceof Error ? e.message : String(e);
        row.correct = false;
        row.value = NaN;
      }
    }
  }
  return rows;
}

async function measure(w: Workload, options: MeasureOptions<string>, withRatios: boolean): Promise<WorkloadResult> {
  const runs = w.runs ?? options.runs;
  if (runs === undefined) throw new Error(`${w.id}: no run count (set the workload's runs or the runs option)`);
  const rows = (await timeRounds(w, runs, options)).map((row) => {
    const bestMs = row.times.length > 0 ? Math.min(...row.times) : NaN;
    const medianMs = row.times.length > 0 ? median(row.times) : NaN;
    return { row, bestMs, medianMs, bestRate: w.items / (bestMs / 1000), medianRate: w.items / (medianMs / 1000) };
  });
  const base = rows.find((r) => r.row.v.role === 'baseline');
  return {
    id: w.id,
    title: w.title,
    items: w.items,
    ...(w.runs === undefined ? {} : { runs: w.runs }),
    expected: typeof w.expected === 'number' ? w.expected : w.expected(w.items),
    variants: rows.map((r) => ({
      name: r.row.v.name,
      role: r.row.v.role,
      times: r.row.times.map((t) => Math.round(t * 10) / 10),
      bestMs: r.bestMs,
      medianMs: r.medianMs,
      bestRate: r.bestRate,
      medianRate: r.medianRate,
      ...(withRatios
        ? {
            ratioBest: base === undefined ? NaN : r.bestRate / base.bestRate,
            ratioMedian: base === undefined ? NaN : r.medianRate / base.medianRate,
          }
        : {}),
      ...Object.fromEntries(Object.entries(r.row.counts).map(([key, values]) => [key, values.length > 0 ? median(values) : NaN])),
      value: r.row.value,
      correct: r.row.correct,
      ...(r.row.error === undefined ? {} : { error: r.row.error }),
    })),
  };
}

/** Warms every variant up once, then times the interleaved rounds. */
export function measureWorkload<C extends string = never>(w: Workload, options: MeasureOptions<C>): Promise<WorkloadResult<VariantResult & Counted<C>>> {
  return measure(w, options, false) as Promise<WorkloadResult<VariantResult & Counted<C>>>;
}

/** measureWorkload, plus every variant's ratio to the workload's `baseline` variant (NaN without one). */
export function measureAgainstBaseline<C extends string = never>(
  w: Workload,
  options: MeasureOptions<C>,
): Promise<WorkloadResult<VariantResult & BaselineRatios & Counted<C>>> {
  return measure(w, options, true) as Promise<WorkloadResult<VariantResult & BaselineRatios & Counted<C>>>;
}

/**
 * Timing helpers of the benchmark: every variant of a workload is warmed up once, then timed `runs` times in
 * interleaved rounds (round 1 runs every variant, then round 2, …) so that a burst of load on this shared
 * machine hits all variants alike. A forced GC (node --expose-gc) runs before each timed run.
 */

/** One way of running a workload. `run` returns the value the workload computes (a sum), checked by the caller. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
export interface Variant {
  /** Short label printed in the table. */
  readonly name: string;
  /** `minigun` variants are the numerators of the ratios; `baseline` ones the denominators; `reference` rows get no ratio. */
  readonly role: 'minigun' | 'baseline' | 'reference';
  readonly run: () => Promise<number>;
}

export interface Workload {
  readonly id: string;
  readonly title: string;
  /** Items that flow through the pipeline per run (for items/s). */
  readonly items: number;
  /** The sum every variant must compute. */
  readonly expected: number;
  readonly variants: readonly Variant[];
}

export interface VariantResult {
  readonly name: string;
  readonly role: Variant['role'];
  /** Wall-clock milliseconds of each timed run, in run order. */
  readonly times: number[];
  readonly bestMs: number;
  readonly medianMs: number;
  /** Items per second of the best and of the median run. */
  readonly bestRate: number;
  readonly medianRate: number;
  /** What the variant computed (first wrong value if any run disagreed) and whether it matched `expected`. */
  readonly value: number;
  readonly correct: boolean;
  /** An exception thrown by the variant, if any. */
  readonly error?: string;
}

export interface WorkloadResult {
  readonly id: string;
  readonly title: string;
  readonly items: number;
  readonly expected: number;
  readonly variants: VariantResult[];
}

/**
 * A GC function without depending on `node --expose-gc`: worker threads refuse that flag, so the thread and
 * fork benches run without it. Setting the V8 flag at run time and taking `gc` from a fresh context gives the
 * same function. Shared by every package's bench.
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

export function hasGc(): boolean {
  return gc !== undefined;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs `fn` once and returns its value and the elapsed wall-clock time in milliseconds. */
export async function timeOnce(fn: () => Promise<number>): Promise<{ value: number; ms: number }> {
  collectGarbage();
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

/** Warms each variant up once, then times `runs` interleaved rounds. Wrong values are recorded, not thrown. */
export async function measureWorkload(w: Workload, runs: number, onProgress?: (msg: string) => void): Promise<WorkloadResult> {
  const state = w.variants.map((v) => ({ v, times: [] as number[], value: w.expected, correct: true, error: undefined as string | undefined }));
  const check = (s: (typeof state)[number], value: number): void => {
    if (value !== w.expected && s.correct) {
      s.correct = false;
      s.value = value;
    }
  };
  for (let round = 0; round <= runs; round++) {
    onProgress?.(round === 0 ? `${w.id}: warm-up` : `${w.id}: round ${round}/${runs}`);
    for (const s of state) {
      if (s.error !== undefined) continue;
      try {
        const { value, ms } = await timeOnce(s.v.run);
        check(s, value);
        if (round > 0) s.times.push(ms);
      } catch (e) {
        s.error = e instanceof Error ? e.message : String(e);
        s.correct = false;
        s.value = NaN;
      }
    }
  }
  return {
    id: w.id,
    title: w.title,
    items: w.items,
    expected: w.expected,
    variants: state.map((s) => {
      const bestMs = s.times.length > 0 ? Math.min(...s.times) : NaN;
      const medianMs = s.times.length > 0 ? median(s.times) : NaN;
      return {
        name: s.v.name,
        role: s.v.role,
        times: s.times.map((t) => Math.round(t * 10) / 10),
        bestMs,
        medianMs,
        bestRate: w.items / (bestMs / 1000),
        medianRate: w.items / (medianMs / 1000),
        value: s.value,
        correct: s.correct,
        ...(s.error === undefined ? {} : { error: s.error }),
      };
    }),
  };
}

/** Sum of `(i + 1) * 2` for i = 1..n: what every workload computes. */
export function expectedSum(n: number): number {
  return n * (n + 1) + 2 * n;
}

/** Formats items/s as millions per second. */
export function mps(rate: number): string {
  return Number.isFinite(rate) ? (rate / 1e6).toFixed(2) : '-';
}

/** Peak resident set size of this process so far, in MB (resourceUsage().maxRSS is in KB). */
export function maxRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** A Minigun run counts only if it completed without errors; otherwise its sum is not trusted. */
export function assertCompleted(result: { status: string; errors: readonly { message: string }[] }, what: string): void {
  if (result.status !== 'completed' || result.errors.length > 0) {
    const first = result.errors[0]?.message ?? '';
    throw new Error(`${what}: run ${result.status} with ${result.errors.length} error(s)${first === '' ? '' : `: ${first}`}`);
  }
}

/** Table formatting shared by the benches. */
export const pad = (s: string, w: number): string => (s.length >= w ? s : s + ' '.repeat(w - s.length));
export const lpad = (s: string, w: number): string => (s.length >= w ? s : ' '.repeat(w - s.length) + s);
export const fmtMs = (ms: number): string => (Number.isFinite(ms) ? ms.toFixed(ms < 100 ? 1 : 0) : '-');
export const fmtRatio = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}x` : '');

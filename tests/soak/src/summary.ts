/** The figures of a whole soak: the rounds' figures added up, what went wrong in which round, and the runner's memory. */
import type { Baseline } from './leaks.js';
import { KILL_KINDS, type KillKind } from './monkey.js';
import type { IsolatedStage } from './pipeline/soak-pipeline.mjs';
import type { RoundReport, RssSample } from './round.js';
import type { RoundKind } from './round-config.js';
import { leastSquares } from './slope.js';

/** A broken rule, with the round it broke in (its seed replays it). */
export interface Finding {
  readonly round: number;
  readonly seed: number;
  readonly kind: RoundKind | 'runner';
  readonly what: 'violation' | 'leak' | 'hang' | 'crash';
  readonly text: string;
}

export interface MemoryFigures {
  /** The runner's resident memory before its first round, and after its last one (garbage collected), in bytes. */
  readonly start: number;
  readonly end: number;
  /** The largest sample taken during the rounds. */
  readonly peak: number;
  /** Least-squares growth in bytes per million inputs, over the samples after each round (garbage collected). */
  readonly slopeSettled?: number;
  /** The same over the second half of those samples: what is left once start-up growth (JIT code, pools, caches) is over. */
  readonly slopeSecondHalf?: number;
  /** The same over every sample (during the rounds and after each). */
  readonly slopeAll?: number;
  /** The V8 heap in use after the first and the last round, and its slope per million inputs (after GC). */
  readonly heapFirst: number;
  readonly heapLast: number;
  readonly slopeHeap?: number;
  readonly samples: number;
}

export interface SoakSummary {
  readonly seed: number;
  readonly elapsedMs: number;
  readonly rounds: Readonly<Record<RoundKind, number>>;
  /** Rounds whose stop reached the run before its end (the others had ended already). */
  readonly stoppedRounds: number;
  readonly produced: number;
  readonly delivered: number;
  readonly failed: Readonly<Record<IsolatedStage, number>>;
  readonly cancelled: number;
  readonly dropped: number;
  readonly kills: Readonly<Record<KillKind, number>>;
  readonly threadExits: number;
  readonly throws: Readonly<Record<IsolatedStage, number>>;
  readonly retries: number;
  readonly cutShort: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly poisoned: number;
  readonly leaks: number;
  readonly hangs: number;
  readonly crashes: number;
  /** Runner processes started (more than one after a hang or a crash). */
  readonly runners: number;
  /** The first runner's idle state after its first round, which its leak checks compared with (until a leak). */
  readonly baseline?: Baseline;
  readonly findings: readonly Finding[];
  readonly memory?: MemoryFigures;
}

const MILLION = 1_000_000;

export class SummaryBuilder {
  private readonly reports: RoundReport[] = [];
  private readonly findings: Finding[] = [];
  private runners = 0;
  /** Memory samples of the runner that ran the most rounds (a replaced runner starts its memory anew). */
  private memory: { start: number; settled: RssSample[]; all: RssSample[] }[] = [];

  constructor(private readonly seed: number) {}

  runnerStarted(rss: number): void {
    this.runners++;
    this.memory.push({ start: rss, settled: [], all: [] });
  }

  add(index: number, report: RoundReport, outsideLeaks: readonly string[]): void {
    this.reports.push(report);
    const { seed, kind } = report.config;
    for (const text of report.violations) this.findings.push({ round: index, seed, kind, what: 'violation', text });
    for (const text of [...report.leaks, ...outsideLeaks]) this.findings.push({ round: index, seed, kind, what: 'leak', text });
    const memory = this.memory.at(-1)!;
    memory.settled.push(report.rss.settled);
    memory.all.push(...report.rss.during, report.rss.settled);
  }

  fault(index: number, seed: number, kind: RoundKind, what: 'hang' | 'crash', text: string): void {
    this.findings.push({ round: index, seed, kind, what, text });
  }

  build(elapsedMs: number): SoakSummary {
    const r = this.reports;
    const sum = (f: (x: RoundReport) => number): number => r.reduce((s, x) => s + f(x), 0);
    const perStage = (f: (x: RoundReport) => Readonly<Record<IsolatedStage, number>>): Record<IsolatedStage, number> => ({
      thread: sum((x) => f(x).thread),
      ipc: sum((x) => f(x).ipc),
      cow: sum((x) => f(x).cow),
    });
    const count = (what: Finding['what']): number => this.findings.filter((f) => f.what === what).length;
    return {
      seed: this.seed,
      elapsedMs,
      rounds: {
        complete: r.filter((x) => x.config.kind === 'complete').length,
        cancel: r.filter((x) => x.config.kind === 'cancel').length,
        sigint: r.filter((x) => x.config.kind === 'sigint').length,
      },
      stoppedRounds: r.filter((x) => x.stopped).length,
      produced: sum((x) => x.figures.produced),
      delivered: sum((x) => x.figures.delivered),
      failed: perStage((x) => x.figures.failed),
      cancelled: sum((x) => x.figures.cancelled),
      dropped: sum((x) => x.figures.dropped),
      kills: Object.fromEntries(KILL_KINDS.map((k) => [k, sum((x) => x.kills[k])])) as Record<KillKind, number>,
      threadExits: sum((x) => x.figures.threadExits),
      throws: perStage((x) => x.figures.throws),
      retries: sum((x) => x.figures.retries),
      cutShort: sum((x) => x.figures.cutShort),
      duplicates: sum((x) => x.figures.duplicates),
      lost: sum((x) => x.figures.lost),
      poisoned: sum((x) => x.figures.poisoned),
      leaks: count('leak'),
      hangs: count('hang'),
      crashes: count('crash'),
      runners: this.runners,
      ...(this.reports[0]?.baseline === undefined ? {} : { baseline: this.reports[0].baseline }),
      findings: this.findings,
      ...this.memoryFigures(),
    };
  }

  private memoryFigures(): { memory?: MemoryFigures } {
    const longest = [...this.memory].sort((a, b) => b.settled.length - a.settled.length)[0];
    if (longest === undefined || longest.settled.length === 0) return {};
    const slope = (samples: readonly RssSample[], y: (s: RssSample) => number): number | undefined => {
      const line = leastSquares(samples.map((s) => [s.items, y(s)] as const));
      return line === undefined ? undefined : line.slope * MILLION;
    };
    const slopeSettled = slope(longest.settled, (s) => s.rss);
    const slopeSecondHalf = slope(longest.settled.slice(Math.floor(longest.settled.length / 2)), (s) => s.rss);
    const slopeAll = slope(longest.all, (s) => s.rss);
    const slopeHeap = slope(longest.settled, (s) => s.heap ?? 0);
    return {
      memory: {
        start: longest.start,
        end: longest.settled.at(-1)!.rss,
        peak: Math.max(longest.start, ...longest.all.map((s) => s.rss)),
        ...(slopeSettled === undefined ? {} : { slopeSettled }),
        ...(slopeSecondHalf === undefined ? {} : { slopeSecondHalf }),
        ...(slopeAll === undefined ? {} : { slopeAll }),
        heapFirst: longest.settled[0]!.heap ?? 0,
        heapLast: longest.settled.at(-1)!.heap ?? 0,
        ...(slopeHeap === undefined ? {} : { slopeHeap }),
        samples: longest.all.length,
      },
    };
  }
}

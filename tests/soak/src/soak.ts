/**
 * The soak: rounds one after the other in a round runner process (runner.ts) until the duration is over,
 * each with settings drawn from its own seed (round-config.ts), the seeds drawn from the soak's seed, the
 * kinds of round taken in turn. Sends
 * the SIGINT of sigint rounds, checks from outside after every round (the runner's children, and processes
 * of this soak that are nobody's child any more), and replaces a runner that hangs (no report within the
 * round timeout) or dies, recording it. Returns the figures of the whole soak.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '@minigun/test-utils';
import { Prng } from './prng.js';
import type { RoundReport } from './round.js';
import { KIND_ROTATION, roundConfig, seedOfKind, type RoundConfig } from './round-config.js';
import { RunnerProcess, runnerTmp } from './runner-process.js';
import { SummaryBuilder, type SoakSummary } from './summary.js';

export interface SoakOptions {
  /** Rounds start until this much time has passed (the last one runs to its end). */
  readonly durationMs: number;
  /** The seed the rounds' seeds are drawn from. */
  readonly seed: number;
  /** Run only the round with this seed (as printed for every round). */
  readonly replay?: number;
  /**
   * Rounds start at least this many times, however long they take (default 1): on a loaded machine one
   * round can outlast a short duration, and the rotation puts a stopped round second.
   */
  readonly minRounds?: number;
  /** A round that has not reported after this long hangs. Default ROUND_TIMEOUT_MS. */
  readonly roundTimeoutMs?: number;
  /** A line per round, and per hang or crash. */
  readonly log?: (line: string) => void;
}

export const ROUND_TIMEOUT_MS = 180_000;

/** How long the runner's children may take to be reaped once it reported (it waited for them already). */
const CHILDREN_GONE_MS = 3000;

export async function soak(options: SoakOptions): Promise<SoakSummary> {
  const log = options.log ?? (() => undefined);
  const roundTimeoutMs = options.roundTimeoutMs ?? ROUND_TIMEOUT_MS;
  const workDir = mkdtempSync(join(tmpdir(), 'soak-'));
  const token = randomUUID();
  const prng = new Prng(options.seed);
  const summary = new SummaryBuilder(options.seed);
  let generation = 0;
  const startRunner = async (): Promise<RunnerProcess> => {
    const { runner, rss } = await RunnerProcess.start(runnerTmp(workDir, ++generation), token);
    summary.runnerStarted(rss);
    return runner;
  };
  const startedAt = Date.now();
  let runner = await startRunner();
  try {
    const minRounds = options.minRounds ?? 1;
    const more = (index: number): boolean => (options.replay === undefined ? index <= minRounds || Date.now() - startedAt < options.durationMs : index === 1);
    for (let index = 1; more(index); index++) {
      const config = roundConfig(options.replay ?? seedOfKind(prng, KIND_ROTATION[(index - 1) % KIND_ROTATION.length]!));
      const event = await playRound(runner, config, workDir, roundTimeoutMs);
      if (event.t === 'report') {
        const outside = await outsideLeaks(runner);
        summary.add(index, event.report, outside);
        log(roundLine(index, event.report, outside.length));
        continue;
      }
      const text =
        event.t === 'timeout'
          ? `no report after ${roundTimeoutMs} ms; the run's stages then: ${JSON.stringify(await diagnose(runner))}`
          : event.t === 'failed'
            ? `the round failed in the runner: ${event.message}`
            : `the runner died (exit code ${event.code}, signal ${event.signal}); its last lines: ${runner.tail().join(' | ')}`;
      const what = event.t === 'timeout' ? 'hang' : 'crash';
      summary.fault(index, config.seed, config.kind, what, text);
      log(`round ${index} ${config.kind} seed ${config.seed}: ${what.toUpperCase()} ${text}`);
      await runner.kill();
      runner = await startRunner();
    }
  } finally {
    await runner.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  return summary.build(Date.now() - startedAt);
}

type PlayEvent =
  | { t: 'report'; report: RoundReport }
  | { t: 'timeout' }
  | { t: 'failed'; message: string }
  | { t: 'exit'; code: number | null; signal: string | null };

/** Sends the round to the runner, and its SIGINT when it is a sigint round; resolves with its report or what happened instead. */
async function playRound(runner: RunnerProcess, config: RoundConfig, workDir: string, timeoutMs: number): Promise<PlayEvent> {
  runner.send({ t: 'round', config, workDir });
  const deadline = Date.now() + timeoutMs;
  let sigint: NodeJS.Timeout | undefined;
  try {
    for (;;) {
      const event = await runner.next(Math.max(0, deadline - Date.now()));
      if (event.t === 'started') {
        if (config.kind === 'sigint') sigint = setTimeout(() => runner.signal('SIGINT'), config.stopAfterMs);
        continue;
      }
      if (event.t === 'report' || event.t === 'timeout' || event.t === 'failed' || event.t === 'exit') return event;
    }
  } finally {
    clearTimeout(sigint);
  }
}

/** What the runner left that it cannot see itself: children not yet reaped, and processes of this soak that are nobody's child. */
async function outsideLeaks(runner: RunnerProcess): Promise<string[]> {
  const end = Date.now() + CHILDREN_GONE_MS;
  let strays = runner.strays();
  while (strays.length > 0 && Date.now() < end) {
    await sleep(50);
    strays = runner.strays();
  }
  return strays.length === 0 ? [] : [`outside the runner: processes of this soak outlived their round: ${strays.join(', ')}`];
}

async function diagnose(runner: RunnerProcess): Promise<unknown> {
  runner.send({ t: 'diagnose' });
  const reply = await runner.next(5000);
  return reply.t === 'diagnosis' ? { stages: reply.stages, children: reply.children } : `no diagnosis (${reply.t})`;
}

function roundLine(index: number, r: RoundReport, outside: number): string {
  const f = r.figures;
  const kills = Object.values(r.kills).reduce((s, k) => s + k, 0);
  const problems = r.violations.length + r.leaks.length + outside;
  const stop = r.config.kind === 'complete' ? '' : r.stopped ? ' (stopped)' : ' (ended before the stop)';
  return (
    `round ${index} ${r.config.kind}${stop} seed ${r.config.seed}: ${r.status}, ${f.produced} in, ${f.delivered} delivered, ` +
    `${f.failed.thread + f.failed.ipc} inputs and ${f.failed.cow} batches failed, ${f.cancelled} cancelled, ${kills} kills, ${f.threadExits} thread exits, ` +
    `${(r.durationMs / 1000).toFixed(1)} s: ${problems === 0 ? 'ok' : `${problems} PROBLEMS: ${[...r.violations, ...r.leaks].slice(0, 3).join('; ')}`}`
  );
}

/**
 * The round runner: the process that runs the rounds, started by the soak (soak.ts) with an IPC channel and
 * a temporary directory of its own. One process for the whole soak, so that its memory is measured over
 * every round, and a process of its own, so that real signals reach it and what it holds can be counted from
 * outside as well as inside.
 *
 * Messages in: `{ t: 'round', config, workDir }`, `{ t: 'diagnose' }`. Out: `{ t: 'ready', rss }` once it is
 * loaded, `{ t: 'started' }` when a round's run starts, `{ t: 'report', report }` when its checks are done, `{ t: 'diagnosis', … }`.
 * A SIGINT between runs is recorded and otherwise ignored: it was meant for a run that had already ended.
 */
import { sleep } from '@minigun/test-utils';
import type { Baseline } from './leaks.js';
import { holdings, openFiles } from './probes.js';
import { runRound, type RunnerState } from './round.js';
import type { RoundConfig } from './round-config.js';

export type ToRunner = { readonly t: 'round'; readonly config: RoundConfig; readonly workDir: string } | { readonly t: 'diagnose' };

export type FromRunner =
  | { readonly t: 'ready'; readonly rss: number }
  | { readonly t: 'started' }
  | { readonly t: 'report'; readonly report: import('./round.js').RoundReport }
  | { readonly t: 'diagnosis'; readonly stages: Record<string, unknown>; readonly children: number[] }
  | { readonly t: 'failed'; readonly message: string };

const send = (m: FromRunner): void => void process.send!(m);

/** Descriptors and threads once they have not changed for a second: the idle state later rounds are compared with. */
async function steadyBaseline(): Promise<Baseline> {
  let last = holdings();
  for (let same = 0; same < 10; ) {
    await sleep(100);
    const now = holdings();
    same = now.fds === last.fds && now.threads === last.threads ? same + 1 : 0;
    last = now;
  }
  return { fds: last.fds, threads: last.threads, fdTargets: openFiles() };
}

if (process.send === undefined) {
  console.error('the round runner is started by the soak (npm run soak), with an IPC channel');
  process.exitCode = 2;
} else {
  const runner: RunnerState = { items: 0, sigint: { during: false }, running: false };
  process.on('SIGINT', () => {
    runner.sigint.during = runner.running;
  });
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToRunner) => {
    if (m.t === 'diagnose') {
      const stages = Object.fromEntries(
        Object.entries(runner.latest?.stages ?? {}).map(([name, s]) => [
          name,
          { in: s.in, done: s.done, failed: s.failed, cancelled: s.cancelled, active: s.active, queued: s.queue.depth, workers: s.workers },
        ]),
      );
      send({ t: 'diagnosis', stages, children: holdings().children });
      return;
    }
    runRound(m.config, m.workDir, runner, () => send({ t: 'started' })).then(
      async (report) => {
        // After the first round, and after a leak: a leak is reported by the round that caused it, not by every later one.
        if (runner.baseline === undefined || report.leaks.length > 0) runner.baseline = await steadyBaseline();
        send({ t: 'report', report: { ...report, baseline: runner.baseline } });
      },
      (e: unknown) => send({ t: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  });
  send({ t: 'ready', rss: process.memoryUsage().rss });
}

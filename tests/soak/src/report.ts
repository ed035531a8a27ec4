/** RELIABILITY.md: how the soak works, the figures of the run that wrote it, what it found, and how to run it again. */
import { machine, machineLine } from '@minigun/bench-harness';
import { BATCH_SIZE } from './pipeline/soak-pipeline.mjs';
import { SAMPLE_MS, SETTLE_MS } from './round.js';
import { FAULTS, KIND_ROTATION, RANGES } from './round-config.js';
import { ROUND_TIMEOUT_MS } from './soak.js';
import type { Finding, SoakSummary } from './summary.js';

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const n = (x: number): string => x.toLocaleString('en-US');
const seconds = (ms: number): string => (ms >= 120_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);

function durationFlag(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 1000)}s`;
}

function findingLine(f: Finding): string {
  return `- round ${f.round} (${f.kind}, seed ${f.seed}), ${f.what}: ${f.text.replaceAll('\n', ' ')}`;
}

/** Findings listed one by one (the first ones); all of them are counted by rule. */
const SHOWN = 30;

/** A finding's rule: its text with the figures, pids and descriptor numbers taken out. */
const ruleOf = (f: Finding): string => `${f.what}: ${f.text.replace(/\d+/g, '#')}`;

function findingsText(findings: readonly Finding[], shown: readonly Finding[]): string {
  const rules = new Map<string, { count: number; first: Finding }>();
  for (const f of findings) {
    const rule = rules.get(ruleOf(f));
    if (rule === undefined) rules.set(ruleOf(f), { count: 1, first: f });
    else rule.count++;
  }
  const table = [...rules].map(([rule, { count, first }]) => `| ${count} | ${rule.replaceAll('|', '\\|')} | ${first.round} (seed ${first.seed}) |`);
  return [
    '| findings | rule (# stands for a number) | first in round |',
    '|---|---|---|',
    ...table,
    '',
    `The first ${shown.length} of ${findings.length}:`,
    '',
    ...shown.map(findingLine),
  ].join('\n');
}

export function reliabilityReport(s: SoakSummary, durationMs: number): string {
  const faults = FAULTS;
  const range = ([lo, hi]: readonly [number, number], unit = ''): string => `${lo}–${hi}${unit}`;
  const secondsRange = ([lo, hi]: readonly [number, number]): string => `${lo / 1000}–${hi / 1000} s`;
  const pct = (x: number): string => `${+(x * 100).toFixed(2)} %`;
  const rounds = s.rounds.complete + s.rounds.cancel + s.rounds.sigint;
  const kills = s.kills['ipc-fork'] + s.kills['cow-fork'] + s.kills.unassigned;
  const m = s.memory;
  const slope = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x >= 0 ? '+' : ''}${mb(x)}`);
  const command = `npm run soak -- --duration=${durationFlag(durationMs)} --seed=${s.seed}`;
  const shown = s.findings.slice(0, SHOWN);
  return `# Reliability

What the chaos and soak harness (\`tests/soak\`, package \`@minigun/soak\`) does to Minigun, and the figures of
the run that wrote this file. \`npm run soak\` writes it; \`npm test\` runs a 30-second soak as a test that
asserts no duplicates, nothing lost and no leaks.

## Method

**The pipeline** (\`tests/soak/src/pipeline/soak-pipeline.mjs\`), one per round, over a fresh set of inputs
with unique ids: an inline producer → a \`thread\` processor (2 workers) → an \`ipc-fork\` processor (2
children) → \`p.batch(${BATCH_SIZE})\` → a \`cow-fork\` consumer (2 children at once, one per batch) whose results come
back over the \`tempfile\` transport (private or shared layout, drawn per round). Every isolated stage has
\`retries: 2\`. The module is plain JavaScript, so workers and children import it without a loader.

**Faults on purpose.** Every attempt of an isolated stage first writes its journal entry (a file named after
stage, input and attempt number, holding its pid and threadId, created with O_EXCL; then completed with how
the attempt ended), waits ${range(RANGES.delayMs, ' ms')} (the most drawn per round), and draws its fate from the round's seed, the stage, the input and the
attempt number: it throws (thread ${pct(faults.thread.throw)}, ipc-fork ${pct(faults.ipc.throw)}, cow-fork ${pct(faults.cow.throw)}
of attempts), or in the thread stage ends its worker thread with \`process.exit()\` (${pct(faults.thread.exit)}); some inputs are
doomed at a stage and fail every attempt there (thread ${pct(faults.thread.doom)}, ipc-fork ${pct(faults.ipc.doom)}, cow-fork ${pct(faults.cow.doom)} of batches), so
that exhausted retries are exercised. A failing attempt first emits (or collects) a poisoned copy of its
output. A good attempt adds its mark (stage, pid, threadId, attempt number) to the item; the consumer
collects every batch it receives.

**The chaos monkey**, in the process that runs the pipeline, SIGKILLs a random Minigun child process every
${secondsRange(RANGES.killEveryMs)} (mean drawn per round): ipc-fork children, cow-fork children holding a batch, and children no stage
reports yet (cow-fork spares, children still starting). Victims come from /proc (children running the fork
strategies' child entry); the run's progress events (\`run({ progress })\`, workers per stage) say whose they are.

**Rounds** run one after the other in a round runner process, which lives for the whole soak (so that its
memory is measured over every round) and is a process of its own (so that real signals reach it, and what
it holds can be counted from inside and outside). A round runs ${range(RANGES.count)} inputs (drawn) and ends
one of three ways, taken in turn (${KIND_ROTATION.join(', ')}): by itself, by its AbortSignal, or by a real
SIGINT sent to the runner under \`run({ handleSignals: true })\`; a stop comes ${secondsRange(RANGES.stopAfterMs)} after the run started (graceMs ${range(RANGES.graceMs, ' ms')}). A stop that comes
after the run's end changes nothing and the round counts as one that ran to its end.

**After every round** the harness checks, and records as a finding anything that fails:

- accounting: every stage's \`in = done + failed + cancelled\`; each stage received exactly what the stage
  before it emitted; each successful processor input emitted one item and each successful consumer input
  collected one batch; nothing is cancelled in a round nobody stopped; the journal holds no more attempts
  of a stage than the runner made (\`in + retried\`);
- duplicates: no id is delivered twice;
- nothing from a failed attempt: no poisoned copy is delivered, and every mark on a delivered item (and
  every delivered batch) belongs to an attempt whose journal entry says it returned, in the same process and
  thread; no input that failed is delivered; every failure is a planned throw or a dead worker
  (\`ERR_MINIGUN_WORKER_DIED\`), after all 3 attempts;
- nothing lost: in a round that ran to its end every input is delivered or failed at exactly one stage; in
  a stopped round the inputs neither delivered nor failed are no more than the stages cancelled plus the
  items dropped at the stop (a processor input done after the stop is counted done, and the run refuses
  its emit: \`done − out\` of the stage);
- status: \`cancelled\` when the stop reached the run before its end, \`completed\` otherwise;
- leaks, once the run has returned (waiting up to ${SETTLE_MS / 1000} s for workers to go): the runner's open file
  descriptors and threads (from /proc) against its idle state after the first round (taken again after a
  leak, so that each leak is reported once, by the round that caused it), naming each new descriptor and
  what it points to; its child processes
  (none); processes of this soak anywhere on the machine (an environment token marks them; a child that
  outlived its parent still carries it); anything left in the runner's temporary directory (\`TMPDIR\`), where
  the tempfile transport makes its run directories \`minigun-soak-cow-XXXXXX\` and, in the shared layout,
  its lock;
- memory: the runner's resident set size every ${SAMPLE_MS} ms and after every round (after a garbage collection),
  against the inputs produced so far; the slope is the least-squares line through the after-round samples,
  over all rounds and over the second half of them (once start-up growth such as compiled code and pools
  is over).
  The V8 heap in use after each round's garbage collection is recorded too: RSS also holds what V8 and
  the allocator keep for reuse, the heap only what is still reachable.

A round that does not report within ${ROUND_TIMEOUT_MS / 1000} s is a hang; a runner that dies is a crash; either is recorded and
the runner replaced.

**Seeds.** Every round prints its seed (the soak draws seeds from its own until one gives the kind of round
due). The seed fixes the round's settings (ending, stop time, grace, input count, layout, kill rate) and every stage's fault and delay per input and attempt, in whatever process
or thread the attempt runs. Scheduling is not fixed: which inputs share a chunk, which child the monkey
finds, and when exactly a stop lands may differ on a replay.

Children start without the runner's tsx loader and without \`NODE_EXTRA_CA_CERTS\` (parsed at every start,
tens of ms per child on this machine), which lets a round run more inputs and changes nothing tested.

## Figures

${machineLine('Machine', machine())}

| | |
|---|---|
| duration | ${seconds(s.elapsedMs)} (rounds kept starting for ${seconds(durationMs)}) |
| seed | ${s.seed} |
| rounds | ${n(rounds)}: ${s.rounds.complete} ran to their end, ${s.rounds.cancel} cancelled by AbortSignal, ${s.rounds.sigint} by SIGINT (${s.stoppedRounds} stops reached the run before its end) |
| inputs produced | ${n(s.produced)} |
| delivered | ${n(s.delivered)} |
| failed (retries exhausted) | thread ${n(s.failed.thread)}, ipc-fork ${n(s.failed.ipc)} inputs; cow-fork ${n(s.failed.cow)} batches |
| cancelled (all stages) | ${n(s.cancelled)} |
| dropped at a stop (processor inputs done after the stop, whose emit the run refused) | ${n(s.dropped)} |
| child processes SIGKILLed | ${n(kills)}: ipc-fork ${n(s.kills['ipc-fork'])}, cow-fork ${n(s.kills['cow-fork'])}, not yet assigned ${n(s.kills.unassigned)} |
| worker threads ended by process.exit() | ${n(s.threadExits)} |
| stage throws | ${n(s.throws.thread + s.throws.ipc + s.throws.cow)}: thread ${n(s.throws.thread)}, ipc-fork ${n(s.throws.ipc)}, cow-fork ${n(s.throws.cow)} |
| retries | ${n(s.retries)} |
| attempts cut short (killed mid-attempt) | ${n(s.cutShort)} |
| **duplicates** | **${n(s.duplicates)}** |
| **lost** | **${n(s.lost)}** |
| **delivered from failed attempts** | **${n(s.poisoned)}** |
| **leaks** | **${n(s.leaks)}** |
| hangs, crashes | ${s.hangs}, ${s.crashes} (runner processes: ${s.runners}) |
| runner when idle (the leak checks' baseline) | ${s.baseline === undefined ? 'n/a' : `${s.baseline.fds} file descriptors, ${s.baseline.threads} threads`} |
| runner RSS | ${m === undefined ? 'n/a' : `${mb(m.start)} at start, ${mb(m.end)} at the end (after GC), ${mb(m.peak)} peak`} |
| RSS slope per million inputs | ${m === undefined ? 'n/a' : `${slope(m.slopeSettled)} after GC over all rounds, ${slope(m.slopeSecondHalf)} over the second half of the rounds (${slope(m.slopeAll)} over all ${n(m.samples)} samples)`} |
| V8 heap in use after GC | ${m === undefined ? 'n/a' : `${mb(m.heapFirst)} after the first round, ${mb(m.heapLast)} after the last; slope ${slope(m.slopeHeap)} per million inputs`} |

## Findings

${s.findings.length === 0 ? 'None: every round passed every check.' : findingsText(s.findings, shown)}

## Reproduce

\`\`\`sh
${command}
\`\`\`

\`--duration\` takes \`90s\`, \`10m\`, \`1h\` (default 10m); without \`--seed\` the seed comes from the clock.
\`npm run soak -- --replay=<round seed>\` runs one round again and prints its figures instead of writing
this file.
`;
}

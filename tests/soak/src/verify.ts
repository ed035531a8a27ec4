/**
 * The checks made after every round on what the run returned and what the attempt journal recorded:
 *
 * - accounting: every stage's `in = done + failed + cancelled`; each stage received what the stage before it
 *   emitted; each successful processor input emitted one item; each successful consumer input collected one
 *   delivery; no input is cancelled in a round nobody stopped; the journal holds no more attempts of a stage
 *   than the runner made;
 * - delivery: no id is delivered twice; nothing delivered comes from an attempt that did not return (a
 *   poisoned copy, or a mark whose journal entry says the attempt threw, exited or never ended); no failed
 *   input is delivered; every failure is a planned fault or a dead worker, with its retries used up;
 * - nothing lost: in a round that ran to its end every input is delivered or failed at exactly one stage; in a
 *   stopped round the inputs neither delivered nor failed are no more than the stages cancelled, plus the
 *   items of processor inputs done after the stop (whose emits the run refuses: done − out);
 * - status: 'cancelled' when a stop (abort or SIGINT) came before the run's end, 'completed' otherwise.
 */
import type { RunResult, RunStatus } from '@minigun/core';
import type { JournalEntry } from './pipeline/journal.mjs';
import type { Delivery, IsolatedStage, Item, Mark } from './pipeline/soak-pipeline.mjs';

export interface StageCounts {
  readonly in: number;
  readonly done: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly retried: number;
  readonly out: number;
}

/** A failed input: at which stage, with which error code, after how many attempts. */
export interface Failure {
  readonly stage: string;
  readonly code: unknown;
  readonly attempts: number;
  readonly input: unknown;
}

/** What a round left to check. */
export interface Evidence {
  /** Whether a stop (abort, SIGINT) reached the run before its end. */
  readonly stopped: boolean;
  /** The isolated stages' `retries`. */
  readonly retries: number;
  /** Items per batch. */
  readonly batchSize: number;
  readonly status: RunStatus;
  readonly stages: Readonly<Record<string, StageCounts>>;
  readonly failures: readonly Failure[];
  /** Messages of errors that are not failed inputs (hooks, the run itself). */
  readonly otherErrors: readonly string[];
  readonly delivered: readonly Delivery[];
  readonly journal: readonly JournalEntry[];
}

export interface Figures {
  readonly produced: number;
  /** Items delivered to the consumer (and collected). */
  readonly delivered: number;
  /** Inputs failed, per stage (a cow-fork input is a batch). */
  readonly failed: Readonly<Record<IsolatedStage, number>>;
  /** Inputs cancelled, summed over the stages. */
  readonly cancelled: number;
  /** Items of processor inputs done after a stop, whose emit was refused (counted done, emitted nowhere). */
  readonly dropped: number;
  readonly retries: number;
  /** Attempts that threw on purpose, per stage. */
  readonly throws: Readonly<Record<IsolatedStage, number>>;
  /** Attempts that ended their own worker thread with process.exit(). */
  readonly threadExits: number;
  /** Attempts that started and never ended: their process was killed (or stopped) under them. */
  readonly cutShort: number;
  readonly duplicates: number;
  /** Delivered things that came from an attempt that did not return. */
  readonly poisoned: number;
  readonly lost: number;
}

export interface Verdict {
  readonly figures: Figures;
  /** Each broken rule, said in a sentence. */
  readonly violations: string[];
}

const STAGES: readonly IsolatedStage[] = ['thread', 'ipc', 'cow'];
/** Codes of the failures the round causes on purpose: a planned throw, and a worker that died (killed, or process.exit()). */
const EXPECTED_CODES = new Set<unknown>(['E_SOAK_PLANNED', 'ERR_MINIGUN_WORKER_DIED']);
/** The stages in flow order, and the stage each one receives from. */
const FLOW: ReadonlyArray<readonly [string, string]> = [
  ['thread', 'source'],
  ['ipc', 'thread'],
  ['batch', 'ipc'],
  ['cow', 'batch'],
];

/** The evidence of a finished run. */
export function evidenceOf(result: RunResult, journal: readonly JournalEntry[], stopped: boolean, retries: number, batchSize: number): Evidence {
  return {
    stopped,
    retries,
    batchSize,
    status: result.status,
    stages: result.stats.stages,
    failures: result.errors
      .filter((e) => e.kind === 'item')
      .map((e) => ({ stage: e.stage ?? '?', code: (e.error as { code?: unknown }).code, attempts: e.attempts, input: e.input })),
    otherErrors: result.errors.filter((e) => e.kind !== 'item').map((e) => `${e.kind}${e.hook === undefined ? '' : ` ${e.hook}`}: ${e.message}`),
    delivered: (result.collected.delivered ?? []) as Delivery[],
    journal,
  };
}

const zeroPerStage = (): Record<IsolatedStage, number> => ({ thread: 0, ipc: 0, cow: 0 });

export function verify(e: Evidence): Verdict {
  const violations: string[] = [];
  const stage = (name: string): StageCounts => e.stages[name] ?? { in: 0, done: 0, failed: 0, cancelled: 0, retried: 0, out: 0 };
  const produced = stage('source').out;

  // ---- status
  const expected: RunStatus = e.stopped ? 'cancelled' : 'completed';
  if (e.status !== expected) violations.push(`status is '${e.status}', expected '${expected}'${e.stopped ? ' (stopped before its end)' : ''}`);
  for (const message of e.otherErrors) violations.push(`an error that is not a failed input: ${message}`);

  // ---- accounting
  for (const [name, s] of Object.entries(e.stages)) {
    if (s.in !== s.done + s.failed + s.cancelled) violations.push(`stage ${name}: in ${s.in} ≠ done ${s.done} + failed ${s.failed} + cancelled ${s.cancelled}`);
    if (!e.stopped && s.cancelled !== 0) violations.push(`stage ${name}: ${s.cancelled} inputs cancelled in a round nobody stopped`);
  }
  for (const [to, from] of FLOW) {
    if (stage(to).in !== stage(from).out) violations.push(`stage ${to} received ${stage(to).in} inputs, stage ${from} emitted ${stage(from).out}`);
  }
  for (const name of ['thread', 'ipc']) {
    if (stage(name).out > stage(name).done || (!e.stopped && stage(name).out !== stage(name).done))
      violations.push(`stage ${name}: ${stage(name).done} inputs done but ${stage(name).out} items emitted (one each)`);
  }
  if (e.delivered.length !== stage('cow').done) violations.push(`stage cow: ${stage('cow').done} batches done but ${e.delivered.length} deliveries collected`);

  // ---- the journal against the runner
  const journal = new Map(e.journal.map((j) => [`${j.stage}.${j.key}.${j.n}`, j]));
  const throws = zeroPerStage();
  let threadExits = 0;
  let cutShort = 0;
  for (const j of e.journal) {
    if (j.outcome === 'threw') throws[j.stage as IsolatedStage]++;
    else if (j.outcome === 'exit') threadExits++;
    else if (j.outcome === undefined) cutShort++;
  }
  for (const name of STAGES) {
    const attempts = e.journal.filter((j) => j.stage === name).length;
    const made = stage(name).in + stage(name).retried;
    if (attempts > made) violations.push(`stage ${name}: the journal holds ${attempts} attempts, the runner made ${made} (in + retried)`);
  }

  // ---- deliveries
  let poisoned = 0;
  const returned = (s: IsolatedStage, key: number, n: number, pid: number, tid?: number): string | undefined => {
    const j = journal.get(`${s}.${key}.${n}`);
    if (j === undefined) return `no journal entry for attempt ${n} of ${key} at ${s}`;
    if (j.outcome !== 'returned')
      return `attempt ${n} of ${key} at ${s} ${j.outcome === undefined ? 'never ended (killed)' : j.outcome === 'exit' ? 'exited' : 'threw'}`;
    if (j.pid !== pid || (tid !== undefined && j.threadId !== tid))
      return `attempt ${n} of ${key} at ${s} ran in ${j.pid}/${j.threadId}, the mark says ${pid}/${tid ?? '-'}`;
    return undefined;
  };
  const seen = new Map<number, number>();
  let deliveredItems = 0;
  for (const d of e.delivered) {
    const wrong = d.poison === true ? `a poisoned delivery of batch ${d.key} (attempt ${d.n}, pid ${d.pid})` : returned('cow', d.key, d.n, d.pid);
    if (wrong !== undefined) {
      poisoned++;
      violations.push(`delivered: ${wrong}`);
    }
    if (d.items[0]?.id !== d.key) violations.push(`delivery keyed ${d.key} starts with item ${d.items[0]?.id}`);
    for (const item of d.items) {
      deliveredItems++;
      seen.set(item.id, (seen.get(item.id) ?? 0) + 1);
      const bad = badItem(item, produced, returned);
      if (bad !== undefined) {
        poisoned++;
        violations.push(`delivered item ${item.id}: ${bad}`);
      }
    }
  }
  const duplicates = deliveredItems - seen.size;
  if (duplicates > 0) {
    const ids = [...seen].filter(([, times]) => times > 1).map(([id, times]) => `${id} ×${times}`);
    violations.push(`${duplicates} duplicate deliveries: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}`);
  }

  // ---- failures
  const failed = zeroPerStage();
  const failedIds = new Map<number, string>();
  for (const f of e.failures) {
    if (!STAGES.includes(f.stage as IsolatedStage)) {
      violations.push(`a failed input at stage ${f.stage}, which never fails on purpose (code ${String(f.code)})`);
      continue;
    }
    failed[f.stage as IsolatedStage]++;
    if (!EXPECTED_CODES.has(f.code)) violations.push(`stage ${f.stage}: an input failed with ${String(f.code)}, neither a planned fault nor a dead worker`);
    if (!e.stopped && f.attempts !== e.retries + 1) violations.push(`stage ${f.stage}: an input failed after ${f.attempts} attempts, not ${e.retries + 1}`);
    const items = (f.stage === 'cow' ? f.input : [f.input]) as Item[] | undefined;
    if (!Array.isArray(items) || items.some((i) => typeof i?.id !== 'number')) {
      violations.push(`stage ${f.stage}: a failure whose input is not the input the stage got (${JSON.stringify(f.input)?.slice(0, 80)})`);
      continue;
    }
    for (const { id } of items) {
      if (failedIds.has(id)) violations.push(`input ${id} failed twice (at ${failedIds.get(id)} and ${f.stage})`);
      failedIds.set(id, f.stage);
      if (seen.has(id)) violations.push(`input ${id} failed at ${f.stage} and was delivered too`);
    }
  }
  for (const name of STAGES) {
    if (failed[name] !== stage(name).failed) violations.push(`stage ${name}: ${stage(name).failed} inputs failed, ${failed[name]} failures reported`);
  }

  // ---- lost
  // Processors emit one item per input done, so done − out items were dropped: done after the stop, when
  // emits are refused. They are counted nowhere downstream, but the stats show them.
  const dropped = e.stopped ? stage('thread').done - stage('thread').out + stage('ipc').done - stage('ipc').out : 0;
  let unresolved = 0;
  for (let id = 0; id < produced; id++) if (!seen.has(id) && !failedIds.has(id)) unresolved++;
  const fewest = stage('thread').cancelled + stage('ipc').cancelled + stage('batch').cancelled + dropped;
  const most = fewest + stage('cow').cancelled * e.batchSize;
  const lost = Math.max(0, unresolved - most);
  if (lost > 0) violations.push(`${lost} inputs lost: ${unresolved} neither delivered nor failed, at most ${most} cancelled or dropped at the stop`);
  if (unresolved < fewest) violations.push(`${fewest} inputs cancelled or dropped at the stop, but only ${unresolved} are neither delivered nor failed`);

  return {
    figures: {
      produced,
      delivered: seen.size,
      failed,
      cancelled: Object.values(e.stages).reduce((sum, s) => sum + s.cancelled, 0),
      dropped,
      retries: Object.values(e.stages).reduce((sum, s) => sum + s.retried, 0),
      throws,
      threadExits,
      cutShort,
      duplicates,
      poisoned,
      lost,
    },
    violations,
  };
}

/** Why a delivered item must not have been delivered, if it must not: poisoned, outside the inputs, or a trail step from an attempt that did not return. */
function badItem(
  item: Item,
  produced: number,
  returned: (s: IsolatedStage, key: number, n: number, pid: number, tid?: number) => string | undefined,
): string | undefined {
  if (item.poison === true) return `a poisoned copy (from attempt ${item.trail.at(-1)?.n} at ${item.trail.at(-1)?.s})`;
  if (!Number.isInteger(item.id) || item.id < 0 || item.id >= produced) return `not one of the ${produced} inputs`;
  const stages = item.trail.map((m: Mark) => m.s).join(',');
  if (stages !== 'thread,ipc') return `its trail is [${stages}], not [thread,ipc]`;
  for (const m of item.trail) {
    const wrong = returned(m.s, item.id, m.n, m.pid, m.tid);
    if (wrong !== undefined) return wrong;
  }
  return undefined;
}

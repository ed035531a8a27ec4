/**
 * The parent side of starting an isolated worker, the same for every strategy: beforeFork in the parent,
 * then the state snapshot (so the worker sees what beforeFork changed; see docs/semantics.md, "State
 * snapshots") — and, once the worker has run afterFork, what that hook collected or threw.
 */
import type { StrategyHost } from '../strategy/strategy.js';
import { assertCloneable } from './cloneable.js';
import type { HookReport, WorkerSetup } from './protocol.js';
import { deserializeError } from './serialize-error.js';

/** Runs the stage's beforeFork hooks for `workerId`, then returns the setup with the state snapshot to send. */
export async function forkSetup(host: StrategyHost, workerId: number): Promise<WorkerSetup> {
  await host.beforeFork({ workerId });
  const { module, pipeline, stage } = host.stage;
  assertCloneable(host.state, 'state', { pipeline, stage });
  const t = host.transport;
  const transport = t === undefined ? undefined : { name: t.name, module: t.workerModule, config: t.session.config };
  return { module: module!, pipeline, stage, workerId, state: host.state, transport };
}

/** Hands what a worker's afterFork collected, and its errors, to the run. */
export function deliverHookReport(host: StrategyHost, report: HookReport, workerId?: number): void {
  for (const e of report.emissions) if (e.kind === 'collect') host.collect(e.key, e.value);
  for (const e of report.errors) host.hookFailed('afterFork', deserializeError(e), workerId);
}

/**
 * Resolving an `out.to(name)` target: a stage, or a nested pipeline (its entry stages), looked up from the
 * emitting stage's group outwards. Pure graph logic over the run's stage nodes, cached per stage and name, so
 * the run only asks for it; unknown names and producers are rejected with an error that says what exists.
 */
import { resolveName } from '../definition/graph.js';
import { ErrorCodes, MinigunError, listNames } from '../errors.js';
import type { StageNode } from './stage-node.js';

export function resolveRoute(
  node: StageNode,
  name: string,
  nodes: ReadonlyMap<string, StageNode>,
  groups: ReadonlyMap<string, readonly string[]>,
  pipeline: string,
): readonly StageNode[] {
  const cached = node.routes.get(name);
  if (cached !== undefined) return cached;
  const full = typeof name === 'string' ? resolveName(name, node.spec.group, (n) => nodes.has(n) || groups.has(n)) : undefined;
  const targets = full === undefined ? undefined : nodes.has(full) ? [nodes.get(full)!] : groups.get(full)!.map((n) => nodes.get(n)!);
  if (targets === undefined || targets.length === 0) {
    throw new MinigunError(
      ErrorCodes.UNKNOWN_STAGE,
      `Stage "${node.name}" of pipeline "${pipeline}" routes to "${String(name)}" with out.to(), but there is no such stage. Known stages: ${listNames([...nodes.keys(), ...groups.keys()])}.`,
      { pipeline, stage: node.name },
    );
  }
  const producer = targets.find((t) => t.kind === 'producer');
  if (producer !== undefined) {
    throw new MinigunError(
      ErrorCodes.INVALID_ROUTE,
      `Stage "${node.name}" of pipeline "${pipeline}" routes to producer "${producer.name}" with out.to(), but producers never receive items.`,
      { pipeline, stage: node.name },
    );
  }
  node.routes.set(name, targets);
  return targets;
}

import type { HookContext, HookInfo, HookTarget } from '../types';

type ForkHook = (ctx: HookContext, info: HookInfo) => unknown;

/** Registers fork hooks pipeline-wide, or once per listed stage. */
export function installForkHooks(target: HookTarget, stages: readonly string[] | undefined, hooks: { beforeFork?: ForkHook; afterFork?: ForkHook }): void {
  const { beforeFork, afterFork } = hooks;
  if (stages === undefined) {
    if (beforeFork) target.beforeFork(beforeFork);
    if (afterFork) target.afterFork(afterFork);
    return;
  }
  for (const stage of stages) {
    if (beforeFork) target.beforeFork(stage, beforeFork);
    if (afterFork) target.afterFork(stage, afterFork);
  }
}

/** The stage a fork hook runs for: from `info`, else from the context. */
export function stageOf(ctx: HookContext, info: HookInfo | undefined): string | undefined {
  return info?.stage ?? ctx.stage;
}

import { toError } from './to-error';
import type { HookLevel, HookPoint } from './types';

/** Which hook failed: the fields of a `HookDefinition` (or `HookRecord`) that identify it. */
export interface HookErrorSource {
  readonly point: HookPoint;
  readonly level: HookLevel;
  readonly origin: string;
  /** The stage the hook belongs to, or the stage it was running for. */
  readonly stage?: string;
}

/**
 * A hook threw or rejected. The message names the point, stage and pipeline; the original error stays
 * reachable, with its stack, as `cause`.
 */
export class HookError extends Error {
  readonly code = 'ERR_MINIGUN_HOOK' as const;
  override readonly name = 'HookError';
  readonly point: HookPoint;
  readonly stage?: string;
  readonly origin: string;
  readonly level: HookLevel;
  override readonly cause: Error;

  /** `cause` may be any thrown value; a non-Error is wrapped into an Error first. */
  constructor(source: HookErrorSource, cause: unknown) {
    const error = toError(cause);
    const scope = source.stage === undefined ? `of pipeline "${source.origin}"` : `for stage "${source.stage}" of pipeline "${source.origin}"`;
    super(`${source.point} hook ${scope} failed: ${error.message}`, { cause: error });
    this.point = source.point;
    if (source.stage !== undefined) this.stage = source.stage;
    this.origin = source.origin;
    this.level = source.level;
    this.cause = error;
  }
}

/**
 * Which stage kinds a strategy can take. A custom stage (`p.stage`) reads its whole input stream: a
 * strategy whose executor has no `stream()` (see `StreamPump`) refuses it before the run with this.
 */
import { ErrorCodes, MinigunError } from '../errors.js';
import type { StageInfo } from '../strategy/strategy.js';

/** For `Strategy.validate`: throws `ERR_MINIGUN_INVALID_OPTION` naming the stage when it is a custom stage. */
export function rejectCustomStage(strategy: string, stage: StageInfo): void {
  if (stage.kind !== 'stage') return;
  throw new MinigunError(
    ErrorCodes.INVALID_OPTION,
    `Stage "${stage.stage}" of pipeline "${stage.pipeline}" is a custom stage, which the ${strategy} strategy cannot run (it reads its whole input stream). Run it inline, or make it a processor.`,
    { pipeline: stage.pipeline, stage: stage.stage },
  );
}

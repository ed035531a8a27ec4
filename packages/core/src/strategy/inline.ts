import { ErrorCodes, MinigunError } from '../errors.js';
import type { Strategy } from './strategy.js';

/**
 * The built-in strategy: stage code runs in this isolate with `concurrency` async slots. Every registry has
 * it. The runner executes inline stages itself (a synchronous fast path when a stage returns a plain value
 * and the next queue has room), so `createExecutor` is never called for it.
 */
export const inlineStrategy: Strategy = {
  name: 'inline',
  isolated: false,
  createExecutor() {
    throw new MinigunError(ErrorCodes.RUN_FAILED, 'The inline strategy is executed by the runner directly; it has no executor.');
  },
};

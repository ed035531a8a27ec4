/**
 * The parent side of an input's outcome: where its emissions are. Over the channel they came with the
 * outcome; with a transport the worker wrote them elsewhere and sent a ref to read them back with.
 */
import { ErrorCodes, MinigunError } from '../errors.js';
import type { Emission, StrategyHost } from '../strategy/strategy.js';
import type { InputOutcome } from './protocol.js';

/**
 * What a successful outcome emitted: its own emissions, or (with a transport) the records behind its ref,
 * streamed back through the stage's transport session.
 */
export function emissionsOf(host: StrategyHost, outcome: Extract<InputOutcome, { ok: true }>): Iterable<Emission> | AsyncIterable<Emission> {
  if (outcome.ref === undefined) return outcome.emissions;
  if (host.transport === undefined) {
    const { pipeline, stage } = host.stage;
    throw new MinigunError(
      ErrorCodes.TRANSPORT,
      `A worker of stage "${stage}" (pipeline "${pipeline}") answered with a transport ref, but the stage has no transport.`,
      { pipeline, stage },
    );
  }
  return host.transport.session.read(outcome.ref);
}

/** The `ctx` object of stages and hooks, and the default logger behind `ctx.log`. */
import type { Logger, RunContext } from '../types.js';

export const consoleLogger: Logger = {
  debug: (m, ...a) => {
    if (process.env.MINIGUN_DEBUG) console.debug(m, ...a);
  },
  info: (m, ...a) => console.log(m, ...a),
  warn: (m, ...a) => console.warn(m, ...a),
  error: (m, ...a) => console.error(m, ...a),
};

function prefixed(logger: Logger, prefix: string): Logger {
  return {
    debug: (m, ...a) => logger.debug(`${prefix} ${m}`, ...a),
    info: (m, ...a) => logger.info(`${prefix} ${m}`, ...a),
    warn: (m, ...a) => logger.warn(`${prefix} ${m}`, ...a),
    error: (m, ...a) => logger.error(`${prefix} ${m}`, ...a),
  };
}

export interface ContextParts<S> {
  readonly pipeline: string;
  readonly state: S;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly collect: (key: string, value: unknown) => void;
  readonly workerId?: number;
}

export function createContext<S>(parts: ContextParts<S>, stage?: string): RunContext<S> {
  const prefix = stage === undefined ? `[${parts.pipeline}]` : `[${parts.pipeline}/${stage}]`;
  const ctx: RunContext<S> = {
    state: parts.state,
    pipeline: parts.pipeline,
    pid: process.pid,
    signal: parts.signal,
    collect: parts.collect,
    log: prefixed(parts.logger, prefix),
    ...(stage === undefined ? {} : { stage }),
    ...(parts.workerId === undefined ? {} : { workerId: parts.workerId }),
  };
  return ctx;
}

/**
 * Keeps failed inputs in `errors` without holding huge values: small values are kept as they are, large
 * ones are replaced by a summary string.
 */
/** A JSON replacer that writes cycles as "[Circular]" and bigints as "12n". */
function showable(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (typeof value === 'bigint') return `${value}n`;
    if (value !== null && typeof value === 'object') {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  };
}

export function boundInput(input: unknown, maxChars: number): unknown {
  if (input === null || typeof input !== 'object') {
    if (typeof input === 'string' && input.length > maxChars) return `${input.slice(0, maxChars)}… (${input.length} chars)`;
    return input;
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch {
    // Not JSON as it is (a cycle, a bigint): measure it in a form that shows them, so a large one is still cut.
    try {
      text = JSON.stringify(input, showable());
    } catch (error) {
      return `[${Array.isArray(input) ? 'array' : 'object'} that cannot be shown: ${(error as Error).message}]`;
    }
  }
  if (text === undefined || text.length <= maxChars) return input;
  const kind = Array.isArray(input) ? `array of ${input.length}` : 'object';
  return `[${kind} truncated: ${text.slice(0, maxChars)}… (${text.length} chars as JSON)]`;
}

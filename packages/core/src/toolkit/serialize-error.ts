/**
 * Errors cross isolates as plain data: name, message, stack, code, cause and other own fields survive, so
 * a stage error reads the same in the parent as where it was thrown.
 */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
  readonly cause?: SerializedError;
  readonly props?: Record<string, unknown>;
}

const BUILT_IN: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

export function serializeError(value: unknown, depth = 0): SerializedError {
  if (!(value instanceof Error)) {
    const message = typeof value === 'string' ? value : `Non-error value thrown: ${describe(value)}`;
    return { name: 'Error', message };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === 'cause' || key === 'code') continue;
    const v = (value as unknown as Record<string, unknown>)[key];
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) props[key] = v;
  }
  const code = (value as { code?: unknown }).code;
  const cause = (value as { cause?: unknown }).cause;
  return {
    name: value.name,
    message: value.message,
    stack: value.stack,
    ...(typeof code === 'string' ? { code } : {}),
    ...(cause !== undefined && depth < 5 ? { cause: serializeError(cause, depth + 1) } : {}),
    ...(Object.keys(props).length > 0 ? { props } : {}),
  };
}

export function deserializeError(data: SerializedError): Error {
  const Ctor = BUILT_IN[data.name] ?? Error;
  const error = new Ctor(data.message);
  if (error.name !== data.name) Object.defineProperty(error, 'name', { value: data.name, configurable: true, writable: true });
  if (data.stack !== undefined) error.stack = data.stack;
  if (data.code !== undefined) (error as Error & { code?: string }).code = data.code;
  if (data.cause !== undefined) (error as Error & { cause?: unknown }).cause = deserializeError(data.cause);
  if (data.props !== undefined) Object.assign(error, data.props);
  return error;
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

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
  // Fields are read defensively: an error may have getters that throw (a closed connection's details).
  const read = (key: string): unknown => {
    try {
      return (value as unknown as Record<string, unknown>)[key];
    } catch {
      return undefined; // a field that cannot be read is left out, like a field that cannot be copied
    }
  };
  const props: Record<string, unknown> = {};
  const code = read('code');
  for (const key of Object.keys(value)) {
    // A string code travels as `code`; any other primitive code (a driver's error number) as a field.
    if (key === 'cause' || (key === 'code' && typeof code === 'string')) continue;
    const v = read(key);
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) props[key] = v;
  }
  const cause = read('cause');
  const name = read('name');
  const message = read('message');
  const stack = read('stack');
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : describe(message),
    ...(typeof stack === 'string' ? { stack } : {}),
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

/** A readable text for any thrown value; never throws (cycles, objects without a prototype, bigints). */
function describe(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // not JSON (a cycle, a bigint): the forms below
  }
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value); // no toString at all (Object.create(null))
  }
}

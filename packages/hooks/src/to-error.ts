const MAX_DESCRIPTION = 200;

/**
 * Normalises anything thrown into an Error. Errors from another realm (vm contexts) are kept as they are;
 * any other value is wrapped, and kept as the wrapper's `cause`.
 */
export function toError(value: unknown): Error {
  if (value instanceof Error || Object.prototype.toString.call(value) === '[object Error]') {
    return value as Error;
  }
  const message = typeof value === 'string' ? value : `non-Error value thrown: ${describe(value)}`;
  return new Error(message, { cause: value });
}

function describe(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'object' && value !== null ? (JSON.stringify(value) ?? String(value)) : String(value);
  } catch {
    // Cyclic objects, null-prototype objects and throwing toString() must not mask the original failure.
    text = Object.prototype.toString.call(value);
  }
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…` : text;
}

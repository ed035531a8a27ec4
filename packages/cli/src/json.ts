/**
 * JSON output: a RunResult or a progress event as plain JSON data. Errors become `{ name, message, code? }`
 * (stacks stay out of machine output), bigints strings, functions and symbols are dropped, Maps and Sets
 * become objects and arrays, and a cycle becomes "[Circular]", so any collected value can be printed.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function toJson(value: unknown): Json | undefined {
  return convert(value, []);
}

function convert(value: unknown, ancestors: object[]): Json | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break; // below
  }
  if (value === null) return null;
  const obj = value as object;
  if (ancestors.includes(obj)) return '[Circular]';
  if (obj instanceof Error) {
    const code = (obj as { code?: unknown }).code;
    return { name: obj.name, message: obj.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  if (obj instanceof Date) return obj.toISOString();
  const inner = [...ancestors, obj];
  if (Array.isArray(obj) || obj instanceof Set) return [...obj].map((v: unknown) => convert(v, inner) ?? null);
  if (ArrayBuffer.isView(obj)) return `[${obj.constructor.name} ${obj.byteLength} bytes]`;
  const entries: Iterable<[unknown, unknown]> = obj instanceof Map ? obj.entries() : Object.entries(obj);
  const out: { [key: string]: Json } = {};
  for (const [k, v] of entries) {
    const converted = convert(v, inner);
    if (converted !== undefined) out[String(k)] = converted;
  }
  return out;
}

/**
 * JSON records carry only what JSON carries unchanged. `JSON.stringify` silently drops or rewrites the rest
 * (undefined, functions, NaN, Maps, …), which would deliver something other than what was emitted: find the
 * first such value, with its path, so the attempt fails with a clear error instead.
 */
export function findNonJson(value: unknown, path = '', seen = new Set<object>()): { path: string; what: string } | undefined {
  const at = path === '' ? '(the value itself)' : path;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { path: at, what: String(value) };
    case 'object':
      break;
    default:
      return { path: at, what: typeof value };
  }
  if (value === null) return undefined;
  if (seen.has(value)) return { path: at, what: 'a circular reference' };
  const proto = Object.getPrototypeOf(value) as unknown;
  if (value instanceof Date) return undefined; // becomes its ISO string, as JSON users expect
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return { path: at, what: `a ${value.constructor?.name ?? 'class'} instance` };
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const found = findNonJson(value[i], `${path}[${i}]`, seen);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    for (const [key, v] of Object.entries(value)) {
      const found = findNonJson(v, path === '' ? key : `${path}.${key}`, seen);
      if (found !== undefined) return found;
    }
    return undefined;
  } finally {
    seen.delete(value);
  }
}

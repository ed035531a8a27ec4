/**
 * Finds the first value that cannot cross into another isolate with its meaning intact: functions,
 * symbols, and class instances with methods (structured clone would deliver a plain object without them,
 * e.g. a socket or a database client). Returns its path, like `state.db.pool`, so errors can name it.
 */
import { ErrorCodes, MinigunError } from '../errors.js';

const CLONEABLE_PROTOTYPES = new Set<unknown>([
  Object.prototype,
  Array.prototype,
  Date.prototype,
  RegExp.prototype,
  Map.prototype,
  Set.prototype,
  ArrayBuffer.prototype,
  SharedArrayBuffer.prototype,
  DataView.prototype,
  Error.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  BigInt.prototype,
]);
const TypedArray = Object.getPrototypeOf(Uint8Array);

export interface Uncloneable {
  readonly path: string;
  readonly what: string;
}

export function findUncloneable(value: unknown, root: string): Uncloneable | undefined {
  const seen = new Set<unknown>();
  const visit = (v: unknown, path: string): Uncloneable | undefined => {
    if (typeof v === 'function') return { path, what: `a function${v.name ? ` (${v.name})` : ''}` };
    if (typeof v === 'symbol') return { path, what: 'a symbol' };
    if (v === null || typeof v !== 'object' || seen.has(v)) return undefined;
    seen.add(v);
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== null && !CLONEABLE_PROTOTYPES.has(proto) && !(v instanceof TypedArray) && !(v instanceof Error)) {
      if (hasMethods(proto as object))
        return { path, what: `an instance of ${(v as object).constructor?.name ?? 'a class'} (its methods would not survive the copy)` };
    }
    if (v instanceof Map) {
      let i = 0;
      for (const [k, item] of v) {
        const found = visit(k, `${path}.<key ${i}>`) ?? visit(item, mapValuePath(path, k, i));
        if (found !== undefined) return found;
        i++;
      }
      return undefined;
    }
    if (v instanceof Set) {
      let i = 0;
      for (const item of v) {
        const found = visit(item, `${path}.<item ${i++}>`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof SharedArrayBuffer) return undefined;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const found = visit(v[i], `${path}[${i}]`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    for (const key of Object.keys(v)) {
      const found = visit((v as Record<string, unknown>)[key], /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(value, root);
}

/** `.get("k")` / `.get(7)` for keys that can be written down, `.<value i>` (the i-th entry) for object keys. */
function mapValuePath(path: string, key: unknown, index: number): string {
  if (typeof key === 'string') return `${path}.get(${JSON.stringify(key)})`;
  if (key === null || typeof key === 'number' || typeof key === 'boolean' || key === undefined) return `${path}.get(${String(key)})`;
  if (typeof key === 'bigint') return `${path}.get(${key}n)`;
  return `${path}.<value ${index}>`;
}

function hasMethods(proto: object): boolean {
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const key of Object.getOwnPropertyNames(p)) {
      if (key === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(p, key);
      if (d !== undefined && (typeof d.value === 'function' || d.get !== undefined)) return true;
    }
  }
  return false;
}

/**
 * Throws when `value` cannot cross into or out of an isolated worker. `what` says which value it is
 * (`'state'`, `'input'`, `'emitted item'`, …); the message names stage and path and suggests afterFork.
 */
export function assertCloneable(value: unknown, what: string, where: { pipeline: string; stage: string }): void {
  const found = findUncloneable(value, what);
  if (found === undefined) return;
  throw new MinigunError(
    ErrorCodes.UNCLONEABLE,
    `Stage "${where.stage}" of pipeline "${where.pipeline}": ${found.path} is ${found.what}, which cannot be copied into or out of an isolated worker. Pass plain data instead, and create resources such as connections, sockets or clients inside the worker in an afterFork hook (p.afterFork("${where.stage}", (ctx) => { … })).`,
    where,
  );
}

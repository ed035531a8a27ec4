/**
 * BullMQ and ioredis, loaded with `require`. Both are CommonJS (BullMQ's package has no "exports" map, so
 * an `import` of it also resolves to its CommonJS "main"). When ESM imports CommonJS, Node first scans the
 * source of the entry and of every module it re-exports to find the named exports; BullMQ's entry
 * re-exports its whole tree, so that scan about doubles the time to load it: some 250 ms more in every worker
 * process on a 2-core machine, which is a large part of a short run's fixed cost. `require` skips the scan;
 * the classes are the same objects an `import` would give.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** BullMQ's module (its types come from `import type … from 'bullmq'` as usual). */
export const bullmq = load('bullmq') as typeof import('bullmq');
/** ioredis's module. */
export const ioredis = load('ioredis') as typeof import('ioredis');

/**
 * How an item emitted by a stage with several targets is distributed (`dispatch`), besides `broadcast`
 * (every target gets it, handled by the run's fast path): `round-robin` (each item to the next target in
 * turn), `partition` (one key always to one target, by `partitionKey` and a hash), and `demand` (to the
 * target with the most free room, ties in turn). A dispatcher only picks; the run delivers.
 */
import { ErrorCodes, MinigunError } from '../errors.js';
import type { PartitionKey } from '../types.js';

/** What a dispatcher needs to know of a target. */
export interface DispatchTarget {
  /** Inputs it could take now without anyone waiting: free slots plus room in its queue. */
  freeRoom(): number;
}

export interface Dispatcher {
  /** The target for `item`, or undefined when the item is dropped (a partition key of null). */
  pick<T extends DispatchTarget>(targets: readonly T[], item: unknown): T | undefined;
}

export function roundRobin(): Dispatcher {
  let next = 0;
  return { pick: (targets) => targets[next++ % targets.length] };
}

/**
 * Same key, same target: `hash(key) mod targets`. Keys are strings, numbers, bigints or booleans; `null` and
 * `undefined` drop the item. The default hash is FNV-1a of the key's text, so a key maps to the same target
 * in every run and process; `hash` replaces it (a whole number, e.g. to keep a mapping another system uses).
 */
export function partition(key: PartitionKey, hash: ((key: unknown) => number) | undefined, where: { pipeline: string; stage: string }): Dispatcher {
  return {
    pick: (targets, item) => {
      const k = key(item as never);
      if (k === null || k === undefined) return undefined;
      if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'bigint' && typeof k !== 'boolean') {
        throw new MinigunError(
          ErrorCodes.INVALID_OPTION,
          `partitionKey of stage "${where.stage}" (pipeline "${where.pipeline}") returned ${typeof k}; it must return a string, number, bigint or boolean (null drops the item).`,
          where,
        );
      }
      const h = hash === undefined ? fnv1a(String(k)) : hash(k);
      if (typeof h !== 'number' || !Number.isFinite(h)) {
        throw new MinigunError(
          ErrorCodes.INVALID_OPTION,
          `partitionHash of stage "${where.stage}" (pipeline "${where.pipeline}") returned ${String(h)} for key ${String(k)}; it must return a finite number.`,
          where,
        );
      }
      return targets[Math.abs(Math.trunc(h)) % targets.length];
    },
  };
}

/** To the target with the most free room; among equals, in turn (so idle targets share the load). */
export function demand(): Dispatcher {
  let next = 0;
  return {
    pick: (targets) => {
      let best = -1;
      let chosen = 0;
      for (let i = 0; i < targets.length; i++) {
        const j = (next + i) % targets.length;
        const room = targets[j]!.freeRoom();
        if (room > best) {
          best = room;
          chosen = j;
        }
      }
      next = chosen + 1;
      return targets[chosen];
    },
  };
}

/** 32-bit FNV-1a over UTF-16 code units: stable across runs and processes. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

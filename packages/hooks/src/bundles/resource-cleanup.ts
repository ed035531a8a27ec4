import { InvalidOptionError } from '../invalid-option-error';
import { toError } from '../to-error';
import type { HookBundle } from '../types';

export interface ResourceCleanup {
  readonly bundle: HookBundle;
  /** Registers `resource` for disposal in afterRun and returns it unchanged. */
  track<T>(resource: T, dispose: (resource: T) => unknown, label?: string): T;
  /**
   * Disposes every tracked resource now, last tracked first, awaiting each. A failing dispose does not
   * stop the others; the failures are thrown together as one AggregateError once all ran.
   */
  disposeAll(): Promise<void>;
  /** How many resources are tracked and not yet disposed. */
  readonly size: number;
}

interface Tracked {
  readonly resource: unknown;
  readonly dispose: (resource: unknown) => unknown;
  readonly label: string;
}

/**
 * Resources disposed LIFO in afterRun, which runs after success, failure and cancellation alike.
 * Tracking is per isolate: what a worker tracks lives in that worker's instance (afterRun runs in the
 * parent only), so a worker disposes its own resources with `disposeAll()` or leaves them to its exit.
 */
export function resourceCleanup(): ResourceCleanup {
  const stack: Tracked[] = [];
  let counter = 0;

  const disposeAll = async (): Promise<void> => {
    const failures: { label: string; error: unknown }[] = [];
    // pop() rather than iterating a copy: a dispose may track (and so must also release) more resources.
    for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
      try {
        await entry.dispose(entry.resource);
      } catch (error) {
        failures.push({ label: entry.label, error });
      }
    }
    if (failures.length > 0) {
      const labels = failures.map((f) => `"${f.label}" (${messageOf(f.error)})`).join(', ');
      throw new AggregateError(
        failures.map((f) => f.error),
        `resourceCleanup: ${failures.length} resource${failures.length === 1 ? '' : 's'} failed to dispose: ${labels}`,
      );
    }
  };

  return {
    bundle: {
      name: 'resourceCleanup',
      install(target) {
        target.afterRun(() => disposeAll());
      },
    },
    track<T>(resource: T, dispose: (resource: T) => unknown, label?: string): T {
      if (typeof dispose !== 'function') throw new InvalidOptionError(`resourceCleanup.track(): dispose must be a function, got ${typeof dispose}.`);
      if (label !== undefined && typeof label !== 'string')
        throw new InvalidOptionError(`resourceCleanup.track(): label must be a string, got ${typeof label}.`);
      counter++;
      stack.push({ resource, dispose: dispose as (resource: unknown) => unknown, label: label ?? `resource #${counter}` });
      return resource;
    },
    disposeAll,
    get size() {
      return stack.length;
    },
  };
}

function messageOf(error: unknown): string {
  return toError(error).message;
}

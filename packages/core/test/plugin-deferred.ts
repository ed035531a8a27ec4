/**
 * A small third-party-style strategy used by the tests: it runs each input in this isolate, one event-loop
 * turn later, through the public plugin contract only (`host.invoke`, `host.produce`).
 */
import type { MinigunPlugin, Strategy } from '@minigun/core';

export const deferredStrategy: Strategy = {
  name: 'deferred',
  isolated: false,
  createExecutor(host) {
    let closed = 0;
    return {
      async execute(attempt) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        return host.invoke(attempt.input);
      },
      produce: (emit) => host.produce(emit),
      async close() {
        closed++;
        if (closed > 1) throw new Error('closed twice');
      },
    };
  },
};

export const deferredPlugin: MinigunPlugin = { name: 'deferred-plugin', strategies: [deferredStrategy] };

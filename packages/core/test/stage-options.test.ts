/**
 * Every stage option is honoured or refused, per kind of stage: given to a stage that cannot use it, an
 * option is an error that names the option, the stage and why; inherited from defaults or a context (which
 * apply to every stage inside), it simply does not apply to that stage. Contexts are checked when declared.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, MinigunError, Registry, pipeline, type Strategy } from '@minigun/core';

function thrown(fn: () => unknown): MinigunError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MinigunError);
    return e as MinigunError;
  }
  throw new Error('expected an error');
}

const pass = (n: unknown): unknown => n;

describe('accumulator options on other stages', () => {
  for (const key of ['maxSize', 'maxWaitMs', 'key', 'name'] as const) {
    it(`${key} on a processor is refused and named as an accumulator option`, () => {
      const e = thrown(() =>
        pipeline(`acc-${key}`, (p) => {
          p.producer('gen', () => [1]);
          p.processor('work', { [key]: key === 'key' ? () => 'k' : key === 'name' ? 'x' : 3 } as never, pass);
        }),
      );
      expect(e.code).toBe(ErrorCodes.INVALID_OPTION);
      expect(e.message).toContain(`"${key}"`);
      expect(e.message).toContain('"work"');
      expect(e.message).toContain('accumulators');
    });
  }

  it('in a context (p.with) too', () => {
    const e = thrown(() =>
      pipeline('acc-with', (p) => {
        p.producer('gen', () => [1]);
        p.with({ maxSize: 3 } as never, (q) => q.processor('work', pass));
      }),
    );
    expect(e.message).toMatch(/Unknown option "maxSize" on stage "work".*accumulators/);
  });

  it('an accumulator refuses inline beforeFork/afterFork hooks (it never forks)', () => {
    const e = thrown(() =>
      pipeline('acc-hooks', (p) => {
        p.producer('gen', () => [1]);
        p.accumulator('acc', { maxSize: 2, hooks: { afterFork: () => undefined } });
      }),
    );
    expect(e.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(e.message).toContain('hooks.afterFork');
    expect(e.message).toContain('never fork');
  });
});

describe('producer options', () => {
  const refused: Array<[string, Record<string, unknown>, RegExp]> = [
    ['retries', { retries: 2 }, /emit its items again/],
    ['ordered', { ordered: true }, /own order/],
    ['queueSize', { queueSize: 10 }, /no input queue/],
    ['concurrency', { concurrency: 4 }, /runs once/],
    ['transport', { transport: 'tempfile' }, /worker channel/],
  ];
  for (const [key, options, reason] of refused) {
    it(`${key} on a producer is refused with the reason`, () => {
      const e = thrown(() =>
        pipeline(`producer-${key}`, (p) => {
          p.producer('gen', options, () => [1]);
          p.consumer('sink', () => undefined);
        }),
      );
      expect(e.code).toBe(ErrorCodes.INVALID_OPTION);
      expect(e.message).toContain(`Option ${key} on stage "gen" of pipeline "producer-${key}" does not apply to a producer`);
      expect(e.message).toMatch(reason);
    });
  }

  it('concurrency: 1 is what a producer does, and is accepted', () => {
    expect(() =>
      pipeline('producer-one', (p) => {
        p.producer('gen', { concurrency: 1 }, () => [1]);
      }),
    ).not.toThrow();
  });

  it('options inherited from defaults or a context do not apply to a producer: it reports what it uses', async () => {
    const p = pipeline('producer-inherits', { defaults: { retries: 3, queueSize: 5 } }, (q) => {
      q.with({ concurrency: 4, ordered: true }, (w) => {
        w.producer('gen', () => [1, 2, 3]);
        w.processor('work', (n: number) => n * 2);
      });
      q.consumer('sink', (n: number, _out, ctx) => ctx.collect('out', n));
    });
    const gen = p.stages.find((s) => s.name === 'gen')!;
    const work = p.stages.find((s) => s.name === 'work')!;
    expect(gen.concurrency).toBe(1);
    expect(work.concurrency).toBe(4);
    const r = await p.run();
    expect(r.status).toBe('completed');
    expect(r.collected.out).toEqual([2, 4, 6]);
  });
});

describe('custom stage options', () => {
  for (const [key, value] of [
    ['retries', 1],
    ['ordered', true],
    ['transport', 'tempfile'],
  ] as const) {
    it(`${key} on a custom stage (p.stage) is refused`, () => {
      const e = thrown(() =>
        pipeline(`custom-${key}`, (p) => {
          p.producer('gen', () => [1]);
          p.stage('custom', { [key]: value }, async (input: AsyncIterable<unknown>) => {
            for await (const _ of input);
          });
        }),
      );
      expect(e.code).toBe(ErrorCodes.INVALID_OPTION);
      expect(e.message).toContain(`Option ${key} on stage "custom"`);
      expect(e.message).toContain('custom stage');
    });
  }
});

describe('contexts and defaults are checked when declared', () => {
  it('a named context with a bad option throws even if no stage uses it', () => {
    const e = thrown(() =>
      pipeline('ctx-unused', (p) => {
        p.context('cpu', { concurrency: 0 });
        p.producer('gen', () => [1]);
      }),
    );
    expect(e.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(e.message).toContain('context "cpu"');
    expect(e.message).toContain('concurrency');
  });

  it('an unknown option in a named context throws when declared', () => {
    const e = thrown(() =>
      pipeline('ctx-unknown', (p) => {
        p.context('cpu', { stratgy: 'thread' } as never);
      }),
    );
    expect(e.message).toContain('Unknown option "stratgy" on context "cpu"');
  });

  it('p.with without stages, p.defaults() and pipeline defaults are checked', () => {
    expect(thrown(() => pipeline('with-empty', (p) => p.with({ retries: -1 }, () => undefined))).message).toContain('retries');
    expect(thrown(() => pipeline('defaults-call', (p) => p.defaults({ dispatch: 'random' as never }))).message).toContain('dispatch');
    expect(thrown(() => pipeline('defaults-opt', { defaults: { ordered: 'yes' as never } }, () => undefined)).message).toContain('ordered');
  });
});

describe('transport on a stage that runs in this process', () => {
  const transport = { name: 'files', workerModule: 'data:text/javascript,export {}', open: () => Promise.reject(new Error('never opened')) };
  const registry = (): Registry => new Registry().use({ name: 'files-plugin', transports: [transport] });

  it('given to an inline stage, run() rejects before any stage starts', async () => {
    let ran = false;
    const p = pipeline('inline-transport', (q) => {
      q.producer('gen', () => {
        ran = true;
        return [1];
      });
      q.processor('work', { transport: 'files' }, pass);
    });
    await expect(p.run({ registry: registry() })).rejects.toMatchObject({
      code: ErrorCodes.INVALID_OPTION,
      message: expect.stringContaining('transport "files"'),
    });
    expect(ran).toBe(false);
  });

  it('inherited from a context, it does not apply to an inline stage (the run goes on)', async () => {
    const isolated: Strategy = { name: 'fake-isolated', isolated: true, validate: () => undefined, createExecutor: () => Promise.reject(new Error('unused')) };
    const p = pipeline('inherited-transport', { module: import.meta.url }, (q) => {
      q.context('far', { strategy: 'fake-isolated', transport: 'files' });
      q.producer('gen', () => [1, 2]);
      q.processor('work', { context: 'far', strategy: 'inline' }, (n: number) => n + 1);
      q.consumer('sink', (n: number, _out, ctx) => ctx.collect('out', n));
    });
    const r = await p.run({ registry: registry().use({ name: 'fake', strategies: [isolated] }) });
    expect(r.status).toBe('completed');
    expect(r.collected.out).toEqual([2, 3]);
  });
});

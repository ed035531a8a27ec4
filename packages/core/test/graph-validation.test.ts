import { describe, expect, it } from 'vitest';
import { ErrorCodes, MinigunError, pipeline, type StageOptions } from '@minigun/core';

/** Runs `fn`, expects it to throw a MinigunError, and returns that error. */
function thrown(fn: () => unknown): MinigunError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (caught === undefined) throw new Error('expected the definition to throw, but it did not');
  expect(caught).toBeInstanceOf(MinigunError);
  return caught as MinigunError;
}

const pass = <T>(x: T): T => x;

describe('graph validation: duplicate names', () => {
  it('rejects two stages with the same name', () => {
    const e = thrown(() =>
      pipeline('dup', (p) => {
        p.producer('gen', () => [1]);
        p.processor('work', pass);
        p.consumer('work', () => undefined);
      }),
    );
    expect(e.code).toBe(ErrorCodes.DUPLICATE_STAGE);
    expect(e.code).toBe('ERR_MINIGUN_DUPLICATE_STAGE');
    expect(e.message).toContain('"work"');
  });

  it('rejects a stage named like a nested pipeline', () => {
    const e = thrown(() =>
      pipeline('dup-group', (p) => {
        p.producer('gen', () => [1]);
        p.pipeline('sub', (q) => q.processor('a', pass));
        p.consumer('sub', () => undefined);
      }),
    );
    expect(e.code).toBe(ErrorCodes.DUPLICATE_STAGE);
    expect(e.message).toContain('"sub"');
  });

  it('rejects duplicates inside a nested pipeline but allows the same name at two levels', () => {
    const e = thrown(() =>
      pipeline('dup-nested', (p) => {
        p.pipeline('sub', (q) => {
          q.processor('a', pass);
          q.processor('a', pass);
        });
      }),
    );
    expect(e.code).toBe(ErrorCodes.DUPLICATE_STAGE);
    expect(e.message).toContain('sub/a');

    const ok = pipeline('same-name-two-levels', (p) => {
      p.producer('gen', () => [1]);
      p.processor('a', pass);
      p.pipeline('sub', (q) => q.processor('a', pass));
    });
    expect(ok.stages.map((s) => s.name)).toEqual(['gen', 'a', 'sub/a']);
  });

  it('rejects extend() redefining a parent stage, and leaves the parent usable', async () => {
    const parent = pipeline('parent', (p) => {
      p.producer('gen', () => [1, 2]);
      p.consumer('save', (n: number, _o, ctx) => ctx.collect('saved', n));
    });
    const e = thrown(() => parent.extend('child', (p) => p.consumer('save', () => undefined)));
    expect(e.code).toBe(ErrorCodes.DUPLICATE_STAGE);
    expect(e.message).toContain('"save"');
    const e2 = thrown(() => parent.extend('child2', (p) => p.producer('gen', () => [3])));
    expect(e2.code).toBe(ErrorCodes.DUPLICATE_STAGE);

    const r = await parent.run();
    expect(r.status).toBe('completed');
    expect(r.collected.saved).toEqual([1, 2]);
    expect(parent.stages.map((s) => s.name)).toEqual(['gen', 'save']);
  });

  it('rejects extend() of an extended pipeline redefining a grandparent stage', () => {
    const a = pipeline('a', (p) => {
      p.producer('gen', () => [1]);
      p.processor('x', pass);
    });
    const b = a.extend('b', (p) => p.consumer('y', () => undefined));
    const e = thrown(() => b.extend('c', (p) => p.processor('x', pass)));
    expect(e.code).toBe(ErrorCodes.DUPLICATE_STAGE);
    expect(e.message).toContain('"x"');
  });
});

describe('graph validation: unknown to/from', () => {
  it('rejects an unknown `to` target, naming it and listing the known stages', () => {
    const e = thrown(() =>
      pipeline('bad-to', (p) => {
        p.producer('gen', { to: 'nowhere' }, () => [1]);
        p.processor('double', (n: number) => n * 2);
        p.consumer('save', () => undefined);
      }),
    );
    expect(e.code).toBe(ErrorCodes.UNKNOWN_STAGE);
    expect(e.code).toBe('ERR_MINIGUN_UNKNOWN_STAGE');
    expect(e.message).toContain('"nowhere"');
    expect(e.message).toContain('"gen"');
    expect(e.message).toContain('"double"');
    expect(e.message).toContain('"save"');
  });

  it('rejects an unknown target in a `to` list', () => {
    const e = thrown(() =>
      pipeline('bad-to-list', (p) => {
        p.producer('gen', { to: ['save', 'typo'] }, () => [1]);
        p.consumer('save', () => undefined);
      }),
    );
    expect(e.code).toBe(ErrorCodes.UNKNOWN_STAGE);
    expect(e.message).toContain('"typo"');
    expect(e.message).toContain('"save"');
  });

  it('rejects an unknown `from` source, naming it and listing the known stages', () => {
    const e = thrown(() =>
      pipeline('bad-from', (p) => {
        p.producer('gen', () => [1]);
        p.consumer('save', { from: 'ghost' }, () => undefined);
      }),
    );
    expect(e.code).toBe(ErrorCodes.UNKNOWN_STAGE);
    expect(e.message).toContain('"ghost"');
    expect(e.message).toContain('"gen"');
    expect(e.message).toContain('"save"');
  });

  it('rejects an unknown target inside a nested pipeline', () => {
    const e = thrown(() =>
      pipeline('bad-nested', (p) => {
        p.producer('gen', () => [1]);
        p.pipeline('sub', (q) => {
          q.processor('a', { to: 'missing' }, pass);
        });
      }),
    );
    expect(e.code).toBe(ErrorCodes.UNKNOWN_STAGE);
    expect(e.message).toContain('"missing"');
    expect(e.message).toContain('sub/a');
  });

  it('rejects an unknown target of p.reroute', () => {
    const base = pipeline('base', (p) => {
      p.producer('gen', () => [1]);
      p.consumer('save', () => undefined);
    });
    const e = thrown(() => base.extend('child', (p) => p.reroute('gen', { to: 'elsewhere' })));
    expect(e.code).toBe(ErrorCodes.UNKNOWN_STAGE);
    expect(e.message).toContain('"elsewhere"');
    const e2 = thrown(() => base.extend('child2', (p) => p.reroute('nosuch', { to: 'save' })));
    expect(e2.code).toBe(ErrorCodes.UNKNOWN_STAGE);
    expect(e2.message).toContain('"nosuch"');
  });

  it('rejects a hook for an unknown stage', () => {
    const e = thrown(() =>
      pipeline('bad-hook', (p) => {
        p.producer('gen', () => [1]);
        p.before('nope', () => undefined);
      }),
    );
    expect(e.code).toBe(ErrorCodes.UNKNOWN_STAGE);
    expect(e.message).toContain('"nope"');
  });

  it('rejects an edge to a producer, and `from` on a producer', () => {
    const e = thrown(() =>
      pipeline('to-producer', (p) => {
        p.producer('gen', () => [1]);
        p.producer('gen2', () => [2]);
        p.processor('work', { to: 'gen2' }, pass);
      }),
    );
    expect(e.code).toBe(ErrorCodes.INVALID_ROUTE);
    expect(e.message).toContain('"gen2"');

    const e2 = thrown(() =>
      pipeline('from-on-producer', (p) => {
        p.producer('gen', () => [1]);
        p.producer('gen2', { from: 'gen' }, () => [2]);
      }),
    );
    expect(e2.code).toBe(ErrorCodes.INVALID_ROUTE);
  });
});

describe('graph validation: cycles', () => {
  it('rejects a self-loop with its path', () => {
    const e = thrown(() =>
      pipeline('self', (p) => {
        p.producer('gen', () => [1]);
        p.processor('a', { to: 'a' }, pass);
      }),
    );
    expect(e.code).toBe(ErrorCodes.CYCLE);
    expect(e.code).toBe('ERR_MINIGUN_CYCLE');
    expect(e.message).toContain('a -> a');
  });

  it('rejects A -> B -> A with its path', () => {
    const e = thrown(() =>
      pipeline('two', (p) => {
        p.producer('gen', () => [1]);
        p.processor('a', { to: 'b' }, pass);
        p.processor('b', { to: 'a' }, pass);
      }),
    );
    expect(e.code).toBe(ErrorCodes.CYCLE);
    expect(e.message).toContain('a -> b -> a');
  });

  it('rejects A -> B -> C -> A with its path', () => {
    const e = thrown(() =>
      pipeline('three', (p) => {
        p.producer('gen', () => [1]);
        p.processor('a', { to: 'b' }, pass);
        p.processor('b', { to: 'c' }, pass);
        p.processor('c', { to: 'a' }, pass);
      }),
    );
    expect(e.code).toBe(ErrorCodes.CYCLE);
    expect(e.message).toContain('a -> b -> c -> a');
  });

  it('rejects a cycle made with `from`, with its path', () => {
    const e = thrown(() =>
      pipeline('via-from', (p) => {
        p.producer('gen', () => [1]);
        p.processor('a', { from: 'c' }, pass);
        p.processor('b', { from: 'a' }, pass);
        p.processor('c', { from: 'b' }, pass);
      }),
    );
    expect(e.code).toBe(ErrorCodes.CYCLE);
    expect(e.message).toContain('a -> b -> c -> a');
  });

  it('rejects a cycle mixing `to` and `from`', () => {
    const e = thrown(() =>
      pipeline('mixed', (p) => {
        p.producer('gen', () => [1]);
        p.processor('a', { to: 'b' }, pass);
        p.processor('b', pass);
        p.processor('c', { from: 'b', to: 'a' }, pass);
      }),
    );
    expect(e.code).toBe(ErrorCodes.CYCLE);
    expect(e.message).toContain('a -> b -> c -> a');
  });

  it('rejects a cycle created by extend()', () => {
    const base = pipeline('base', (p) => {
      p.producer('gen', () => [1]);
      p.processor('a', { to: 'b' }, pass);
      p.processor('b', pass);
    });
    const e = thrown(() => base.extend('child', (p) => p.reroute('b', { to: 'a' })));
    expect(e.code).toBe(ErrorCodes.CYCLE);
    expect(e.message).toContain('a -> b -> a');
  });

  it('accepts a diamond, and it runs', async () => {
    const d = pipeline('diamond', (p) => {
      p.producer('gen', { to: ['left', 'right'] }, () => [1, 2, 3]);
      p.processor('left', { to: 'join' }, (n: number) => n * 10);
      p.processor('right', { to: 'join' }, (n: number) => n * 100);
      p.consumer('join', (n: number, _o, ctx) => ctx.collect('joined', n));
    });
    const byName = Object.fromEntries(d.stages.map((s) => [s.name, s.to]));
    expect(byName).toEqual({ gen: ['left', 'right'], left: ['join'], right: ['join'], join: [] });
    const r = await d.run();
    expect(r.status).toBe('completed');
    expect([...(r.collected.joined as number[])].sort((a, b) => a - b)).toEqual([10, 20, 30, 100, 200, 300]);
  });

  it('accepts a double diamond', () => {
    expect(() =>
      pipeline('double-diamond', (p) => {
        p.producer('gen', { to: ['a', 'b'] }, () => [1]);
        p.processor('a', { to: 'c' }, pass);
        p.processor('b', { to: 'c' }, pass);
        p.processor('c', { to: ['d', 'e'] }, pass);
        p.processor('d', { to: 'f' }, pass);
        p.processor('e', { to: 'f' }, pass);
        p.consumer('f', () => undefined);
      }),
    ).not.toThrow();
  });

  it('does not add a default edge that would close a cycle (and does not throw)', async () => {
    // a -> b would be the default edge, but b -> a is explicit: the default edge is skipped.
    const pl = pipeline('skip-default', (p) => {
      p.producer('gen', () => [1, 2]);
      p.processor('a', (n: number, _o, ctx) => {
        ctx.collect('a', n);
        return n;
      });
      p.processor('b', { to: 'a' }, (n: number) => n);
    });
    const byName = Object.fromEntries(pl.stages.map((s) => [s.name, s.to]));
    expect(byName).toEqual({ gen: ['a'], a: [], b: ['a'] });
    const r = await pl.run();
    expect(r.status).toBe('completed');
    expect(r.collected.a).toEqual([1, 2]);
    expect(r.stats.stages.b!.in).toBe(0);
  });
});

describe('graph validation: names', () => {
  it('rejects a stage name that is not a string', () => {
    const e = thrown(() =>
      pipeline('names', (p) => {
        p.processor(42 as unknown as string, pass);
      }),
    );
    expect(e.code).toBe(ErrorCodes.INVALID_NAME);
    expect(e.code).toBe('ERR_MINIGUN_INVALID_NAME');
    const e2 = thrown(() =>
      pipeline('names2', (p) => {
        p.producer(undefined as unknown as string, () => [1]);
      }),
    );
    expect(e2.code).toBe(ErrorCodes.INVALID_NAME);
  });

  it('rejects an empty stage name', () => {
    const e = thrown(() =>
      pipeline('empty', (p) => {
        p.consumer('', () => undefined);
      }),
    );
    expect(e.code).toBe(ErrorCodes.INVALID_NAME);
  });

  it('rejects a stage name containing "/"', () => {
    const e = thrown(() =>
      pipeline('slash', (p) => {
        p.processor('a/b', pass);
      }),
    );
    expect(e.code).toBe(ErrorCodes.INVALID_NAME);
    expect(e.message).toContain('a/b');
    const e2 = thrown(() => pipeline('slash2', (p) => p.pipeline('x/y', (q) => q.processor('a', pass))));
    expect(e2.code).toBe(ErrorCodes.INVALID_NAME);
    const e3 = thrown(() => pipeline('slash3', (p) => p.accumulator('acc/1', { maxSize: 2 })));
    expect(e3.code).toBe(ErrorCodes.INVALID_NAME);
  });

  it('rejects invalid pipeline names', () => {
    expect(thrown(() => pipeline('', () => undefined)).code).toBe(ErrorCodes.INVALID_NAME);
    expect(thrown(() => pipeline('a/b', () => undefined)).code).toBe(ErrorCodes.INVALID_NAME);
    expect(thrown(() => pipeline(7 as unknown as string, () => undefined)).code).toBe(ErrorCodes.INVALID_NAME);
    const ok = pipeline('ok', (p) => p.producer('gen', () => [1]));
    expect(thrown(() => ok.extend('bad/name', () => undefined)).code).toBe(ErrorCodes.INVALID_NAME);
  });
});

describe('graph validation: options', () => {
  const cases: Array<[string, StageOptions, string]> = [
    ['concurrency 0', { concurrency: 0 }, 'concurrency'],
    ['negative concurrency', { concurrency: -2 }, 'concurrency'],
    ['fractional concurrency', { concurrency: 1.5 }, 'concurrency'],
    ['queueSize 0', { queueSize: 0 }, 'queueSize'],
    ['retries -1', { retries: -1 }, 'retries'],
    ['dispatch typo', { dispatch: 'round_robin' as 'round-robin' }, 'dispatch'],
    ['unknown option key', { concurency: 2 } as unknown as StageOptions, 'concurency'],
  ];
  for (const [label, options, option] of cases) {
    it(`rejects ${label} with ERR_MINIGUN_INVALID_OPTION naming stage and option`, () => {
      const e = thrown(() =>
        pipeline('opts', (p) => {
          p.producer('gen', () => [1]);
          p.processor('worker', options, pass);
        }),
      );
      expect(e.code).toBe(ErrorCodes.INVALID_OPTION);
      expect(e.code).toBe('ERR_MINIGUN_INVALID_OPTION');
      expect(e.message).toContain('"worker"');
      expect(e.message).toContain(option);
    });
  }

  it('rejects invalid options coming from pipeline defaults or a context', () => {
    const e = thrown(() =>
      pipeline('opts-defaults', { defaults: { concurrency: 0 } }, (p) => {
        p.producer('gen', () => [1]);
        p.processor('worker', pass);
      }),
    );
    expect(e.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(e.message).toContain('concurrency');
    const e2 = thrown(() =>
      pipeline('opts-with', (p) => {
        p.producer('gen', () => [1]);
        p.with({ queueSize: -1 }, (q) => q.processor('inner', pass));
      }),
    );
    expect(e2.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(e2.message).toContain('"inner"');
    expect(e2.message).toContain('queueSize');
  });

  it('accepts valid options', () => {
    expect(() =>
      pipeline('opts-ok', (p) => {
        p.producer('gen', { to: ['a', 'b'], dispatch: 'round-robin' }, () => [1]);
        p.processor('a', { concurrency: 3, queueSize: 1, retries: 2, ordered: true, to: 'b' }, pass);
        p.consumer('b', { concurrency: 1, retries: 0 }, () => undefined);
      }),
    ).not.toThrow();
  });

  it('rejects invalid accumulator options', () => {
    const e = thrown(() => pipeline('acc', (p) => p.accumulator('acc', { maxSize: 0 })));
    expect(e.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(e.message).toContain('maxSize');
    expect(e.message).toContain('"acc"');
    expect(thrown(() => pipeline('acc2', (p) => p.batch(0))).code).toBe(ErrorCodes.INVALID_OPTION);
    expect(thrown(() => pipeline('acc3', (p) => p.batch(2.5))).code).toBe(ErrorCodes.INVALID_OPTION);
    expect(thrown(() => pipeline('acc4', (p) => p.accumulator('acc', { maxSize: 2, maxWaitMs: -5 }))).code).toBe(ErrorCodes.INVALID_OPTION);
  });

  it('rejects a stage that uses an undeclared named context', () => {
    const e = thrown(() =>
      pipeline('ctx', (p) => {
        p.context('cpu', { concurrency: 2 });
        p.producer('gen', () => [1]);
        p.processor('worker', { context: 'gpu' }, pass);
      }),
    );
    expect(e.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(e.message).toContain('"gpu"');
    expect(e.message).toContain('"worker"');
    expect(e.message).toContain('"cpu"');
  });

  it('rejects a missing stage function', () => {
    const e = thrown(() =>
      pipeline('nofn', (p) => {
        p.processor('worker', { concurrency: 2 }, undefined as unknown as (n: number) => number);
      }),
    );
    expect(e.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(e.message).toContain('"worker"');
  });
});

import { describe, expect, it } from 'vitest';
import { HookSet, InvalidHookError, compareHooks } from '@minigun/hooks';
import type { HookDefinition, HookLevel, HookPoint } from '@minigun/hooks';

type Noop = () => void;

function def(name: string, fields: { point?: HookPoint; stage?: string; level?: HookLevel; depth?: number } = {}): Omit<HookDefinition, 'seq'> {
  const fn = Object.defineProperty(() => undefined, 'name', { value: name });
  return { point: fields.point ?? 'before', stage: fields.stage, level: fields.level ?? 'pipeline', origin: 'etl', depth: fields.depth ?? 0, fn };
}

const names = (hooks: readonly HookDefinition[]): string[] => hooks.map((h) => h.fn.name);

describe('HookSet.add', () => {
  it('assigns increasing seq numbers and returns a frozen definition', () => {
    const set = new HookSet();
    const a = set.add(def('a'));
    const b = set.add(def('b'));
    expect(b.seq).toBeGreaterThan(a.seq);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a).toMatchObject({ point: 'before', level: 'pipeline', origin: 'etl', depth: 0 });
    expect(set.size).toBe(2);
  });

  it('keeps seq increasing across sets, so hooks added to a clone sort after the original ones', () => {
    const first = new HookSet().add(def('a'));
    const second = new HookSet().add(def('b'));
    expect(second.seq).toBeGreaterThan(first.seq);
  });

  it('omits stage on pipeline-level definitions', () => {
    const stored = new HookSet().add(def('a'));
    expect('stage' in stored).toBe(false);
  });

  it('all() lists every hook in registration order, as a copy', () => {
    const set = new HookSet();
    set.add(def('x', { point: 'afterRun' }));
    set.add(def('y', { point: 'before', stage: 's', level: 'inline' }));
    const all = set.all();
    expect(names(all)).toEqual(['x', 'y']);
    all.pop();
    expect(set.all()).toHaveLength(2);
  });
});

describe('HookSet.list order', () => {
  it('runs pipeline-level, then stage-level, then inline hooks, whatever the registration order', () => {
    const set = new HookSet();
    set.add(def('inline', { stage: 's', level: 'inline' }));
    set.add(def('stage', { stage: 's', level: 'stage' }));
    set.add(def('pipeline', { level: 'pipeline' }));
    expect(names(set.list('before', 's'))).toEqual(['pipeline', 'stage', 'inline']);
  });

  it("runs a parent pipeline's hooks before a child's within one level", () => {
    const set = new HookSet();
    set.add(def('child', { depth: 1 }));
    set.add(def('grandchild', { depth: 2 }));
    set.add(def('parent', { depth: 0 }));
    expect(names(set.list('before'))).toEqual(['parent', 'child', 'grandchild']);
  });

  it('keeps definition order within one level and depth', () => {
    const set = new HookSet();
    for (const n of ['one', 'two', 'three']) set.add(def(n, { stage: 's', level: 'stage' }));
    expect(names(set.list('before', 's'))).toEqual(['one', 'two', 'three']);
  });

  it('ranks level before depth: a child pipeline-level hook precedes a parent stage-level hook', () => {
    const set = new HookSet();
    set.add(def('parent-stage', { stage: 's', level: 'stage', depth: 0 }));
    set.add(def('child-pipeline', { level: 'pipeline', depth: 1 }));
    expect(names(set.list('before', 's'))).toEqual(['child-pipeline', 'parent-stage']);
  });

  it('compareHooks orders like list()', () => {
    const set = new HookSet();
    const late = set.add(def('late', { level: 'inline', stage: 's' }));
    const early = set.add(def('early'));
    expect([late, early].sort(compareHooks)).toEqual([early, late]);
  });
});

describe('HookSet.list filtering', () => {
  const set = new HookSet();
  set.add(def('all-stages', { point: 'afterFork' }));
  set.add(def('only-a', { point: 'afterFork', stage: 'a', level: 'stage' }));
  set.add(def('only-b', { point: 'afterFork', stage: 'b', level: 'stage' }));
  set.add(def('other-point', { point: 'beforeFork' }));

  it('returns pipeline-level hooks plus those bound to the stage', () => {
    expect(names(set.list('afterFork', 'a'))).toEqual(['all-stages', 'only-a']);
    expect(names(set.list('afterFork', 'b'))).toEqual(['all-stages', 'only-b']);
  });

  it('returns only pipeline-level hooks without a stage', () => {
    expect(names(set.list('afterFork'))).toEqual(['all-stages']);
  });

  it('returns only hooks of the requested point', () => {
    expect(names(set.list('beforeFork', 'a'))).toEqual(['other-point']);
    expect(set.list('onError')).toEqual([]);
  });

  it('returns a copy that callers may mutate', () => {
    set.list('afterFork', 'a').length = 0;
    expect(set.list('afterFork', 'a')).toHaveLength(2);
  });

  it('sees hooks added after an earlier list()', () => {
    const local = new HookSet();
    local.add(def('first'));
    expect(names(local.list('before'))).toEqual(['first']);
    local.add(def('second'));
    expect(names(local.list('before'))).toEqual(['first', 'second']);
  });
});

describe('HookSet.clone', () => {
  it('is independent of the original in both directions', () => {
    const parent = new HookSet();
    parent.add(def('parent'));
    const child = parent.clone();
    child.add(def('child', { depth: 1 }));
    parent.add(def('parent-late'));
    expect(names(parent.list('before'))).toEqual(['parent', 'parent-late']);
    expect(names(child.list('before'))).toEqual(['parent', 'child']);
    expect(parent.size).toBe(2);
    expect(child.size).toBe(2);
  });

  it('keeps the order of inherited hooks and places new ones after them', () => {
    const parent = new HookSet();
    parent.add(def('p1'));
    parent.add(def('p2'));
    const child = parent.clone();
    child.add(def('c1'));
    expect(names(child.list('before'))).toEqual(['p1', 'p2', 'c1']);
  });
});

describe('HookSet validation', () => {
  const expectInvalid = (fn: () => unknown, message: RegExp): void => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      expect(error).toBeInstanceOf(InvalidHookError);
      expect((error as InvalidHookError).code).toBe('ERR_MINIGUN_HOOK_INVALID');
      expect((error as Error).message).toMatch(message);
      return;
    }
    expect.unreachable('expected an InvalidHookError');
  };

  it('rejects an unknown point', () => {
    expectInvalid(() => new HookSet().add({ ...def('x'), point: 'beforeEverything' as HookPoint }), /unknown hook point "beforeEverything"/);
  });

  it('rejects a hook that is not a function', () => {
    expectInvalid(() => new HookSet().add({ ...def('x'), fn: 'nope' as unknown as Noop }), /must be a function, got "nope"/);
  });

  it('rejects a stage that is not a non-empty string', () => {
    expectInvalid(() => new HookSet().add({ ...def('x'), stage: 42 as unknown as string }), /stage must be a non-empty string, got number 42/);
    expectInvalid(() => new HookSet().add({ ...def('x'), stage: '' }), /stage must be a non-empty string/);
  });

  it('rejects an unknown level and a bad depth', () => {
    expectInvalid(() => new HookSet().add({ ...def('x'), level: 'global' as HookLevel }), /unknown hook level "global"/);
    expectInvalid(() => new HookSet().add({ ...def('x'), depth: -1 }), /depth must be an integer >= 0/);
  });

  it('rejects a non-object definition and an unknown point in list()', () => {
    expectInvalid(() => new HookSet().add(null as unknown as Omit<HookDefinition, 'seq'>), /must be an object/);
    expectInvalid(() => new HookSet().list('whenever' as HookPoint), /unknown hook point "whenever"/);
  });

  it('stores nothing when validation fails', () => {
    const set = new HookSet();
    expect(() => set.add({ ...def('x'), fn: undefined as unknown as Noop })).toThrow(InvalidHookError);
    expect(set.size).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { flowLayers, layoutFlow, type FlowLayout, type FlowNode } from '../src/flow-layout';

const text = (layout: FlowLayout): string[] => layout.lines.map((line) => line.map((s) => s.text).join(''));
/** Nodes from `name: targets` pairs, in definition order. */
const graph = (edges: Record<string, string[]>): FlowNode[] => Object.entries(edges).map(([name, to]) => ({ name, to }));

describe('flowLayers', () => {
  it('puts a stage one layer after the deepest of its sources, in definition order within a layer', () => {
    const nodes = graph({ gen: ['a', 'c'], a: ['b'], b: ['c'], c: [], other: ['c'] });
    expect(flowLayers(nodes)).toEqual([['gen', 'other'], ['a'], ['b'], ['c']]);
  });

  it('does not depend on the order the stages are given in', () => {
    expect(flowLayers(graph({ c: [], b: ['c'], a: ['b'] }))).toEqual([['a'], ['b'], ['c']]);
  });

  it('is undefined for a cycle, an unknown target or a name given twice', () => {
    expect(flowLayers(graph({ a: ['b'], b: ['a'] }))).toBeUndefined();
    expect(flowLayers(graph({ a: ['nowhere'] }))).toBeUndefined();
    expect(
      flowLayers([
        { name: 'a', to: [] },
        { name: 'a', to: [] },
      ]),
    ).toBeUndefined();
  });
});

describe('layoutFlow', () => {
  it('draws a chain on one line', () => {
    const layout = layoutFlow(graph({ read: ['parse'], parse: ['write'], write: [] }), 80);
    expect(layout.kind).toBe('graph');
    expect(text(layout)).toEqual(['  read ─────▶ parse ─────▶ write']);
  });

  it('draws a fan-out as a split', () => {
    expect(text(layoutFlow(graph({ gen: ['a', 'b', 'c'], a: [], b: [], c: [] }), 80))).toEqual(['  gen ──┬──▶ a', '        ├──▶ b', '        └──▶ c']);
  });

  it('draws a fan-in as a merge, lines from shorter names padded to the column', () => {
    expect(text(layoutFlow(graph({ a: ['join'], bb: ['join'], c: ['join'], join: [] }), 80))).toEqual(['  a ───┬──▶ join', '  bb ──┤', '  c ───┘']);
  });

  it('draws a diamond with labels, and marks each label with its stage (for colouring)', () => {
    const layout = layoutFlow(
      [
        { name: 'src', to: ['left', 'right'], label: 'src [producer, inline]' },
        { name: 'left', to: ['join'], label: 'left [inline]' },
        { name: 'right', to: ['join'], label: 'right [thread×2]' },
        { name: 'join', to: [], label: 'join [inline]' },
      ],
      80,
    );
    expect(layout.kind).toBe('graph');
    expect(text(layout)).toEqual([
      '  src [producer, inline] ──┬──▶ left [inline] ─────┬──▶ join [inline]',
      '                           └──▶ right [thread×2] ──┘',
    ]);
    expect(layout.lines[1]!.filter((s) => s.stage !== undefined)).toEqual([{ text: 'right [thread×2]', stage: 'right' }]);
    expect(layout.lines[0]!.filter((s) => s.stage !== undefined).map((s) => s.stage)).toEqual(['src', 'left', 'join']);
  });

  it('routes an edge that skips a layer through it, the longest path staying straight', () => {
    expect(text(layoutFlow(graph({ a: ['b', 'c'], b: ['c'], c: [] }), 80))).toEqual(['  a ──┬──▶ b ──┬──▶ c', '      └────────┘']);
  });

  it('keeps independent branches apart and joins them where they merge', () => {
    const nodes = graph({ orders: ['price'], price: ['ledger'], refunds: ['adjust'], adjust: ['ledger'], ledger: [] });
    expect(text(layoutFlow(nodes, 80))).toEqual(['  orders ──────▶ price ───┬──▶ ledger', '  refunds ─────▶ adjust ──┘']);
  });

  it('draws all-to-all links on one line (every source feeds every target)', () => {
    expect(text(layoutFlow(graph({ a: ['c', 'd'], b: ['c', 'd'], c: [], d: [] }), 80))).toEqual(['  a ──┬──▶ c', '  b ──┴──▶ d']);
  });

  it("lays out nested pipelines' stages ('sub/step') by their full names", () => {
    const nodes = graph({ read: ['sub/parse'], 'sub/parse': ['sub/check'], 'sub/check': ['write', 'audit'], write: [], audit: [] });
    expect(text(layoutFlow(nodes, 80))).toEqual([
      '  read ─────▶ sub/parse ─────▶ sub/check ──┬──▶ write',
      '                                           └──▶ audit',
    ]);
  });

  it('uses bare names when the labels do not fit, and the edge list when the names do not either', () => {
    const chain = Array.from({ length: 12 }, (_, i) => ({ name: `step${i}`, to: i < 11 ? [`step${i + 1}`] : [], label: `step${i} [thread×4]` }));
    const wide = layoutFlow(chain, 300);
    expect(wide.kind).toBe('graph');
    expect(text(wide)[0]).toMatch(/^ {2}step0 \[thread×4\] ─────▶ step1 \[thread×4\] .* ─────▶ step11 \[thread×4\]$/);
    const names = layoutFlow(chain, 160);
    expect(names.kind).toBe('names');
    expect(text(names)).toEqual([`  ${chain.map((n) => n.name).join(' ─────▶ ')}`]);
    expect(text(names)[0]!.length).toBeLessThanOrEqual(160);
    const list = layoutFlow(chain, 100);
    expect(list).toMatchObject({ kind: 'list', tooWide: true });
    expect(text(list)).toEqual([...chain.slice(0, 11).map((n, i) => `  ${n.label} ──▶ step${i + 1}`), '  step11 [thread×4] ■']);
  });

  it('lists a graph whose links would cross or merge ambiguously, whatever the width', () => {
    // b feeds c and d, a only c: one vertical line would also show a feeding d.
    const layout = layoutFlow(graph({ gen: ['a', 'b'], a: ['c'], b: ['c', 'd'], c: [], d: [] }), 200);
    expect(layout.kind).toBe('list');
    expect(layout.tooWide).toBeUndefined();
    expect(text(layout)).toEqual(['  gen ──▶ a, b', '  a ──▶ c', '  b ──▶ c, d', '  c ■', '  d ■']);
  });

  it('lists a cycle rather than failing', () => {
    expect(text(layoutFlow(graph({ a: ['b'], b: ['a'] }), 80))).toEqual(['  a ──▶ b', '  b ──▶ a']);
  });

  it('lays out unconnected stages in the first column', () => {
    expect(text(layoutFlow(graph({ one: [], two: [] }), 80))).toEqual(['  one', '  two']);
    expect(layoutFlow([], 80)).toEqual({ kind: 'graph', lines: [] });
  });
});

/**
 * The HUD's flow graph as text: stages placed in layers by topological depth (a stage's layer is one more
 * than the deepest of its sources), each layer a column, sources on the left, edges drawn with
 * box-drawing characters between the columns (a fan-out splits on a vertical line, a fan-in merges on one).
 * When the graph cannot be drawn without lines that would read as edges it does not have (crossing or
 * merging connections), or when it is wider than the terminal even with bare stage names, the layout is the
 * edge list instead (one line per stage with its targets), which is always exact. Pure: no terminal here.
 */

export interface FlowNode {
  readonly name: string;
  /** Static targets (names of other nodes). */
  readonly to: readonly string[];
  /** Shown in the node's place when the graph fits with it (e.g. `square [inline×4]`); the name otherwise. */
  readonly label?: string;
}

/** A piece of a line; `stage` is set on a stage's label so that the caller can colour it. */
export interface FlowSegment {
  readonly text: string;
  readonly stage?: string;
}

export type FlowLine = readonly FlowSegment[];

export interface FlowLayout {
  /** `graph`: laid out with labels; `names`: laid out with bare names (labels too wide); `list`: the edge list. */
  readonly kind: 'graph' | 'names' | 'list';
  readonly lines: readonly FlowLine[];
  /** Set on a list whose graph could be drawn, but not in the width given. */
  readonly tooWide?: boolean;
}

const INDENT = 2;
/** Between two columns: ` ──` before the vertical line, `──▶ ` after it. */
const GAP = 8;

export function layoutFlow(nodes: readonly FlowNode[], width: number): FlowLayout {
  const grid = flowGrid(nodes);
  if (grid !== undefined) {
    const full = drawGrid(grid, (n) => n.label ?? n.name);
    if (lineWidth(full) <= width) return { kind: 'graph', lines: full };
    const bare = drawGrid(grid, (n) => n.name);
    if (lineWidth(bare) <= width) return { kind: 'names', lines: bare };
  }
  return { kind: 'list', lines: edgeList(nodes), ...(grid === undefined ? {} : { tooWide: true }) };
}

/**
 * The layers (names by topological depth), or undefined when the nodes do not form a DAG of known names:
 * a cycle, a target that is not a node, a name given twice.
 */
export function flowLayers(nodes: readonly FlowNode[]): string[][] | undefined {
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  if (index.size !== nodes.length) return undefined;
  const targets = nodes.map((n) => [...new Set(n.to)].map((t) => index.get(t)));
  if (targets.some((list) => list.some((t) => t === undefined))) return undefined;
  const indegree = nodes.map(() => 0);
  for (const list of targets) for (const t of list) indegree[t!]!++;
  const layer = nodes.map(() => 0);
  // Kahn's algorithm, taking the earliest-defined ready node first so that the result is stable.
  const ready = nodes.map((_, i) => i).filter((i) => indegree[i] === 0);
  let seen = 0;
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    seen++;
    for (const t of targets[i]!) {
      layer[t!] = Math.max(layer[t!]!, layer[i]! + 1);
      if (--indegree[t!]! === 0) ready.push(t!);
    }
  }
  if (seen < nodes.length) return undefined;
  const layers: string[][] = [];
  nodes.forEach((n, i) => (layers[layer[i]!] ??= []).push(n.name));
  return layers;
}

/** A place in a column: a stage, or a pass-through of an edge that spans several layers. */
interface Slot {
  readonly node?: FlowNode;
  /** For ordering: the definition index of the stage (of the edge's source for a pass-through). */
  readonly order: number;
}

/** An edge between adjacent columns, as rows. */
interface Link {
  readonly from: number;
  readonly to: number;
}

interface Grid {
  /** Slots per column, top to bottom (a slot's row is its index). */
  readonly columns: readonly (readonly Slot[])[];
  /** Links per gap: gap j joins column j to column j + 1. */
  readonly gaps: readonly (readonly Link[])[];
}

/** Places the slots and checks that every gap can be drawn unambiguously; undefined if not. */
function flowGrid(nodes: readonly FlowNode[]): Grid | undefined {
  const layers = flowLayers(nodes);
  if (layers === undefined) return undefined;
  const byName = new Map(nodes.map((n, i) => [n.name, { node: n, order: i }]));
  const layerOf = new Map(layers.flatMap((names, j) => names.map((name) => [name, j] as const)));
  const columns: Slot[][] = layers.map((names) => names.map((name) => byName.get(name)!));
  // Each edge becomes a chain of slots, one per column it reaches: [from, to, gap] for each step.
  const pairs: Array<[Slot, Slot, number]> = [];
  for (const [i, n] of nodes.entries()) {
    const from = layerOf.get(n.name)!;
    for (const t of new Set(n.to)) {
      const to = layerOf.get(t)!;
      let previous: Slot = byName.get(n.name)!;
      for (let j = from + 1; j < to; j++) {
        const pass: Slot = { order: i };
        columns[j]!.push(pass);
        pairs.push([previous, pass, j - 1]);
        previous = pass;
      }
      pairs.push([previous, byName.get(t)!, to - 1]);
    }
  }
  // Order each column by the mean row of its slots' sources (fewer crossings); on a tie stages come before
  // pass-throughs (the longest path stays straight), then definition order.
  for (let j = 1; j < columns.length; j++) {
    const rowOf = new Map(columns[j - 1]!.map((s, r) => [s, r]));
    const centre = new Map<Slot, number>();
    for (const slot of columns[j]!) {
      const rows = pairs.filter(([, to]) => to === slot).map(([from]) => rowOf.get(from)!);
      centre.set(slot, rows.reduce((a, b) => a + b, 0) / rows.length);
    }
    const pass = (s: Slot): number => (s.node === undefined ? 1 : 0);
    columns[j]!.sort((a, b) => centre.get(a)! - centre.get(b)! || pass(a) - pass(b) || a.order - b.order);
  }
  const rows = new Map(columns.flatMap((slots) => slots.map((s, r) => [s, r] as const)));
  const gaps: Link[][] = columns.slice(1).map(() => []);
  for (const [from, to, gap] of pairs) gaps[gap]!.push({ from: rows.get(from)!, to: rows.get(to)! });
  return gaps.every(drawable) ? { columns, gaps } : undefined;
}

/**
 * A gap is drawn with one vertical line per group of connected links. That reads right only if every
 * source of a group feeds every target of it (a fan-out, a fan-in, or all-to-all) and groups do not share
 * rows (else lines would cross or merge).
 */
function drawable(links: readonly Link[]): boolean {
  const groups = linkGroups(links);
  for (const g of groups) if (g.links.length !== g.sources.size * g.targets.size) return false;
  const spans = groups.map((g) => g.span).sort((a, b) => a[0] - b[0]);
  return spans.every((s, i) => i === 0 || spans[i - 1]![1] < s[0]);
}

interface LinkGroup {
  readonly links: Link[];
  readonly sources: Set<number>;
  readonly targets: Set<number>;
  span: [number, number];
}

/** Links grouped by connection (sharing a source or a target row). */
function linkGroups(links: readonly Link[]): LinkGroup[] {
  const groups: LinkGroup[] = [];
  for (const link of links) {
    const joined = groups.filter((g) => g.sources.has(link.from) || g.targets.has(link.to));
    const group: LinkGroup = { links: [link], sources: new Set([link.from]), targets: new Set([link.to]), span: [link.from, link.from] };
    for (const g of joined) {
      group.links.push(...g.links);
      for (const s of g.sources) group.sources.add(s);
      for (const t of g.targets) group.targets.add(t);
      groups.splice(groups.indexOf(g), 1);
    }
    const rows = [...group.sources, ...group.targets];
    group.span = [Math.min(...rows), Math.max(...rows)];
    groups.push(group);
  }
  return groups;
}

const UP = 1;
const DOWN = 2;
const LEFT = 4;
const RIGHT = 8;
/** Box-drawing character by the directions its lines leave in. */
const GLYPH: Record<number, string> = {
  [LEFT | RIGHT]: '─',
  [UP | DOWN]: '│',
  [DOWN | RIGHT]: '┌',
  [DOWN | LEFT]: '┐',
  [UP | RIGHT]: '└',
  [UP | LEFT]: '┘',
  [LEFT | RIGHT | DOWN]: '┬',
  [LEFT | RIGHT | UP]: '┴',
  [UP | DOWN | RIGHT]: '├',
  [UP | DOWN | LEFT]: '┤',
  [UP | DOWN | LEFT | RIGHT]: '┼',
};

function drawGrid(grid: Grid, label: (n: FlowNode) => string): FlowLine[] {
  const widths = grid.columns.map((slots) => Math.max(0, ...slots.map((s) => (s.node === undefined ? 0 : label(s.node).length))));
  const x: number[] = [INDENT];
  for (const [j, w] of widths.entries()) x.push(x[j]! + w + GAP);
  const height = Math.max(...grid.columns.map((slots) => slots.length));
  const total = x.at(-1)! - GAP;
  const cells = Array.from({ length: height }, () => Array<string>(total).fill(' '));
  const line = (row: number, from: number, to: number): void => {
    for (let c = from; c < to; c++) cells[row]![c] = '─';
  };
  const labels: Array<{ row: number; at: number; text: string; stage: string }> = [];
  for (const [j, slots] of grid.columns.entries()) {
    for (const [row, slot] of slots.entries()) {
      if (slot.node === undefined) line(row, x[j]!, x[j]! + widths[j]!);
      else labels.push({ row, at: x[j]!, text: label(slot.node), stage: slot.node.name });
    }
  }
  for (const [j, links] of grid.gaps.entries()) {
    const track = x[j]! + widths[j]! + 3;
    const next = grid.columns[j + 1]!;
    for (const g of linkGroups(links)) {
      for (const r of g.sources) {
        const slot = grid.columns[j]![r]!;
        line(r, slot.node === undefined ? x[j]! + widths[j]! : x[j]! + label(slot.node).length + 1, track);
      }
      for (const r of g.targets) {
        if (next[r]!.node === undefined) line(r, track + 1, x[j + 1]!);
        else {
          line(r, track + 1, track + 3);
          cells[r]![track + 3] = '▶';
        }
      }
      for (let r = g.span[0]; r <= g.span[1]; r++) {
        const dirs = (r > g.span[0] ? UP : 0) | (r < g.span[1] ? DOWN : 0) | (g.sources.has(r) ? LEFT : 0) | (g.targets.has(r) ? RIGHT : 0);
        cells[r]![track] = GLYPH[dirs]!;
      }
    }
  }
  return cells.map((row, r) => {
    const text = row.join('');
    const segments: FlowSegment[] = [];
    let at = 0;
    for (const l of labels.filter((l) => l.row === r).sort((a, b) => a.at - b.at)) {
      segments.push({ text: text.slice(at, l.at) }, { text: l.text, stage: l.stage });
      at = l.at + l.text.length;
    }
    segments.push({ text: text.slice(at).trimEnd() });
    return segments.filter((s) => s.text !== '');
  });
}

function edgeList(nodes: readonly FlowNode[]): FlowLine[] {
  return nodes.map((n) => [
    { text: ' '.repeat(INDENT) },
    { text: n.label ?? n.name, stage: n.name },
    { text: n.to.length === 0 ? ' ■' : ` ──▶ ${n.to.join(', ')}` },
  ]);
}

function lineWidth(lines: readonly FlowLine[]): number {
  return Math.max(0, ...lines.map((l) => l.reduce((n, s) => n + s.text.length, 0)));
}

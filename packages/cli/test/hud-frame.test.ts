import { describe, expect, it } from 'vitest';
import type { ProgressEvent, StageProgress } from '@minigun/core';
import { composeFrame, renderFrame, type FrameOptions } from '../src/hud-frame';
import { stripAnsi } from './cli';

function stage(name: string, over: Partial<StageProgress>): StageProgress {
  return {
    stage: name,
    kind: 'processor',
    strategy: 'inline',
    concurrency: 1,
    in: 0,
    done: 0,
    failed: 0,
    cancelled: 0,
    retried: 0,
    out: 0,
    filtered: 0,
    latency: { p50: 0, p90: 0, p95: 0, p99: 0, samples: 0 },
    successRate: 1,
    timePerItemMs: 0,
    throughput: 0,
    active: 0,
    queue: { depth: 0, max: 0, capacity: 1000 },
    utilization: 0,
    rate: 0,
    ...over,
  };
}

const event: ProgressEvent = {
  pipeline: 'etl',
  pid: 100,
  seq: 3,
  final: false,
  produced: 50,
  total: 200,
  etaMs: 3000,
  elapsedMs: 1000,
  bottleneck: 'save',
  stages: {
    gen: stage('gen', { kind: 'producer', in: 1, out: 50, total: 200, active: 1, rate: 50 }),
    save: stage('save', {
      strategy: 'ipc-fork',
      concurrency: 2,
      in: 40,
      done: 30,
      failed: 2,
      active: 2,
      rate: 30,
      utilization: 0.97,
      latency: { p50: 60, p90: 80, p95: 90, p99: 95, samples: 32 },
      queue: { depth: 8, max: 9, capacity: 16 },
      workers: [
        { id: 1, pid: 201, busy: true },
        { id: 2, pid: 202, busy: false },
      ],
    }),
  },
};
const stages = [
  { name: 'gen', kind: 'producer' as const, strategy: 'inline', concurrency: 1, to: ['save'] },
  { name: 'save', kind: 'consumer' as const, strategy: 'ipc-fork', concurrency: 2, to: [] },
];

describe('renderFrame', () => {
  it('draws a frame of the given size with graph, rows, workers, child processes and bottleneck', () => {
    const frame = stripAnsi(
      renderFrame(event, stages, { columns: 100, rows: 22, paused: true, stopping: false, children: [{ pid: 201, command: 'node child.js' }] }),
    );
    const lines = frame.split('\n');
    expect(lines).toHaveLength(22);
    // Everything fits: no scrolling.
    expect(frame).not.toContain(' stages ');
    expect(frame).not.toContain('↑↓ scroll');
    expect(lines.every((l) => l.length <= 100)).toBe(true);
    expect(frame.replace(/ +$/gm, '')).toMatchInlineSnapshot(`
      " MINIGUN  etl   running 1.0s   produced 50/200 (25%)   eta 3.0s

       Flow
        gen [producer, inline] ─────▶ save [ipc-fork×2]

       stage  progress                    done     rate      p50      p99  queue               busy
       gen    ████░░░░░░░░░░░░  25%         50     50/s                                         1/1
       save   █████████████░░░  80%         30     30/s     60ms     95ms  ███░░░ 8/16          2/2

       Processes and workers
        pid 100  parent: gen
        save [ipc-fork]: #1 pid 201 busy · #2 pid 202 idle
        child processes (1): 201 node child.js

       ▲ Bottleneck: save (ipc-fork×2) busy 97%, p99 95ms, queue 8/16
       ✖ 2 failed inputs so far





       q stop gracefully   p resume rendering   Ctrl-C signal   h help   [PAUSED]"
    `);
  });

  it('renderFrame is the text of composeFrame, which also tells which stage rows are shown', () => {
    const o: FrameOptions = { columns: 100, rows: 22, paused: false, stopping: false };
    const frame = composeFrame(event, stages, o);
    expect(frame.text).toBe(renderFrame(event, stages, o));
    expect(frame.table).toEqual({ first: 0, shown: 2, total: 2 });
  });
});

/** A pipeline of `n` stages in a chain: s00 (producer) ──▶ s01 ──▶ …, with an event where s07 is the bottleneck. */
function chain(n: number): { event: ProgressEvent; stages: Parameters<typeof renderFrame>[1] } {
  const names = Array.from({ length: n }, (_, i) => `s${String(i).padStart(2, '0')}`);
  return {
    event: {
      ...event,
      pipeline: 'long',
      total: undefined,
      etaMs: undefined,
      bottleneck: 's07',
      stages: Object.fromEntries(names.map((name, i) => [name, stage(name, i === 0 ? { kind: 'producer', out: 10 } : { in: 10, done: i })])),
    },
    stages: names.map((name, i) => ({
      name,
      kind: i === 0 ? ('producer' as const) : ('processor' as const),
      strategy: 'inline',
      concurrency: 1,
      to: i < n - 1 ? [names[i + 1]!] : [],
    })),
  };
}

/** The stage names of the table rows a frame shows. */
const tableRows = (frame: string): string[] => [...frame.matchAll(/^ (s\d\d) +[█░]/gm)].map((m) => m[1]!);

describe('renderFrame: a stage table taller than the terminal', () => {
  const { event: long, stages: longStages } = chain(40);
  const options: FrameOptions = { columns: 100, rows: 30, paused: false, stopping: false };

  it('shows the rows that fit, says which, and keeps the frame to the terminal size', () => {
    const frame = composeFrame(long, longStages, options);
    const text = stripAnsi(frame.text);
    expect(text.split('\n')).toHaveLength(30);
    expect(frame.table).toEqual({ first: 0, shown: 11, total: 40 });
    expect(tableRows(text)).toEqual(Array.from({ length: 11 }, (_, i) => `s${String(i).padStart(2, '0')}`));
    expect(text).toContain('\n stages 1–11 of 40 ↓\n');
    expect(text.split('\n').at(-1)).toContain('h help   ↑↓ scroll');
    // The flow (here a list: 40 stages in a chain are too wide for a graph) gives up lines to the table.
    expect(text).toContain(' Flow (as a list: the graph needs a wider terminal)\n  s00 [producer, inline] ──▶ s01\n');
    expect(text).toContain('  … 34 more (a taller terminal shows them)\n stage ');
    expect(text).toContain('▲ Bottleneck: s07');
  });

  it('starts at the scroll position, and clamps a position past the end to the last page', () => {
    const middle = composeFrame(long, longStages, { ...options, scroll: 5 });
    expect(middle.table).toEqual({ first: 5, shown: 11, total: 40 });
    expect(tableRows(stripAnsi(middle.text))[0]).toBe('s05');
    expect(stripAnsi(middle.text)).toContain('\n stages 6–16 of 40 ↑↓\n');
    const end = composeFrame(long, longStages, { ...options, scroll: 1000 });
    expect(end.table).toEqual({ first: 29, shown: 11, total: 40 });
    expect(tableRows(stripAnsi(end.text)).at(-1)).toBe('s39');
    expect(stripAnsi(end.text)).toContain('\n stages 30–40 of 40 ↑\n');
    expect(composeFrame(long, longStages, { ...options, scroll: -3 }).table.first).toBe(0);
  });

  it('in a short terminal keeps the header, a few stage rows, the bottleneck and the footer', () => {
    const frame = composeFrame(long, longStages, { ...options, rows: 12, scroll: 3 });
    const lines = stripAnsi(frame.text).split('\n');
    expect(lines).toHaveLength(12);
    expect(frame.table).toEqual({ first: 3, shown: 3, total: 40 });
    expect(lines[0]).toMatch(/^ MINIGUN {2}long /);
    expect(tableRows(lines.join('\n'))).toEqual(['s03', 's04', 's05']);
    expect(lines).toContain(' stages 4–6 of 40 ↑↓');
    expect(lines.some((l) => l.startsWith(' ▲ Bottleneck: s07'))).toBe(true);
    expect(lines.at(-1)).toContain('q stop gracefully');
  });
});

describe('renderFrame: the flow graph', () => {
  const diamond = [
    { name: 'src', kind: 'producer' as const, strategy: 'inline', concurrency: 1, to: ['left', 'right'] },
    { name: 'left', kind: 'processor' as const, strategy: 'inline', concurrency: 1, to: ['join'] },
    { name: 'right', kind: 'processor' as const, strategy: 'thread', concurrency: 2, to: ['join'] },
    { name: 'join', kind: 'consumer' as const, strategy: 'inline', concurrency: 1, to: [] },
  ];
  const diamondEvent: ProgressEvent = {
    ...event,
    bottleneck: 'right',
    stages: Object.fromEntries(diamond.map((s) => [s.name, stage(s.name, { kind: s.kind, strategy: s.strategy, concurrency: s.concurrency })])),
  };

  it('lays the stages out in layers with their strategies', () => {
    const text = stripAnsi(renderFrame(diamondEvent, diamond, { columns: 100, rows: 30, paused: false, stopping: false }));
    expect(text).toContain(
      [
        ' Flow',
        '  src [producer, inline] ──┬──▶ left [inline] ─────┬──▶ join [inline]',
        '                           └──▶ right [thread×2] ──┘',
        '',
        ' stage ',
      ].join('\n'),
    );
  });

  it('lays out bare names when the labels are too wide, and says so', () => {
    const text = stripAnsi(renderFrame(diamondEvent, diamond, { columns: 60, rows: 30, paused: false, stopping: false }));
    expect(text).toContain([' Flow (names only: strategies need a wider terminal)', '  src ──┬──▶ left ───┬──▶ join', '        └──▶ right ──┘', ''].join('\n'));
  });
});

describe('renderFrame: the help panel', () => {
  it('is drawn over the frame, listing the keys and what the HUD shows', () => {
    const o: FrameOptions = { columns: 100, rows: 22, paused: false, stopping: false };
    const plain = stripAnsi(renderFrame(event, stages, o));
    expect(plain).not.toContain('┌─ Help');
    const text = stripAnsi(renderFrame(event, stages, { ...o, help: true }));
    const lines = text.split('\n');
    expect(lines).toHaveLength(22);
    expect(lines.every((l) => l.length <= 100)).toBe(true);
    // The header and footer stay visible around it.
    expect(lines[0]).toBe(plain.split('\n')[0]);
    expect(lines.at(-1)).toBe(plain.split('\n').at(-1));
    const top = lines.findIndex((l) => l.includes('┌─ Help'));
    const bottom = lines.findIndex((l) => l.includes('└───'));
    expect(top).toBeGreaterThan(0);
    expect(bottom).toBeGreaterThan(top);
    const panel = lines.slice(top, bottom + 1).map((l) => l.slice(l.indexOf(l.includes('┌') ? '┌' : l.includes('└') ? '└' : '│')));
    // A box: every line as wide, with its sides.
    expect(new Set(panel.map((l) => l.length)).size).toBe(1);
    expect(panel.slice(1, -1).every((l) => l.startsWith('│') && l.endsWith('│'))).toBe(true);
    const inside = panel.join('\n');
    for (const key of [
      /h {2}\? +this help \(any other key closes it\)/,
      /↑ ↓ {2}k j +scroll/,
      /PgUp PgDn +scroll/,
      /Home End +first/,
      /p +pause/,
      /q +stop gracefully/,
      /Ctrl-C +SIGINT/,
    ])
      expect(inside).toMatch(key);
    for (const part of ['Flow', 'stage table', 'Processes', 'Bottleneck']) expect(inside).toContain(`│  ${part} `);
  });
});

import { describe, expect, it } from 'vitest';
import type { ProgressEvent, StageProgress } from '@minigun/core';
import { renderFrame } from '../src/hud-frame';
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
    expect(lines.every((l) => l.length <= 100)).toBe(true);
    expect(frame.replace(/ +$/gm, '')).toMatchInlineSnapshot(`
      " MINIGUN  etl   running 1.0s   produced 50/200 (25%)   eta 3.0s

       Flow
        gen [producer, inline] ──▶ save
        save [ipc-fork×2] ■

       stage  progress                    done     rate      p50      p99  queue               busy
       gen    ████░░░░░░░░░░░░  25%         50     50/s                                         1/1
       save   █████████████░░░  80%         30     30/s     60ms     95ms  ███░░░ 8/16          2/2

       Processes and workers
        pid 100  parent: gen
        save [ipc-fork]: #1 pid 201 busy · #2 pid 202 idle
        child processes (1): 201 node child.js

       ▲ Bottleneck: save (ipc-fork×2) busy 97%, p99 95ms, queue 8/16
       ✖ 2 failed inputs so far




       q stop gracefully   p resume rendering   Ctrl-C signal   [PAUSED]"
    `);
  });
});

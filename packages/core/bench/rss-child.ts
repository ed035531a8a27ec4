/**
 * Peak-RSS child: runs workload 1 through Minigun once, for N items given as argv[2], in a fresh process, and
 * reports its peak RSS (process.resourceUsage().maxRSS, KB) and throughput to the parent over IPC (or as one
 * JSON line on stdout when started by hand: `node --import tsx bench/rss-child.ts 5000000`).
 * N = 0 measures the floor: node + tsx + @minigun/core loaded and an empty run.
 */
import { readFileSync } from 'node:fs';
import { expectedSum } from './checks.js';
import { minigunSync } from './workloads/w1-sync.js';

export interface RssReport {
  readonly n: number;
  readonly ms: number;
  readonly rate: number;
  /** process.resourceUsage().maxRSS in MB. */
  readonly maxRssMB: number;
  /** VmHWM of /proc/self/status in MB (Linux), the same peak measured per address space. */
  readonly hwmMB?: number;
  readonly value: number;
  readonly expected: number;
  readonly error?: string;
}

function hwmMB(): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

const n = Number(process.argv[2] ?? '1000000');
let report: RssReport;
const t0 = performance.now();
try {
  const value = await minigunSync(n);
  const ms = performance.now() - t0;
  report = { n, ms, rate: n / (ms / 1000), maxRssMB: process.resourceUsage().maxRSS / 1024, hwmMB: hwmMB(), value, expected: expectedSum(n) };
} catch (e) {
  const ms = performance.now() - t0;
  report = {
    n,
    ms,
    rate: 0,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    hwmMB: hwmMB(),
    value: NaN,
    expected: expectedSum(n),
    error: e instanceof Error ? e.message : String(e),
  };
}
if (process.send !== undefined) process.send(report, () => process.disconnect());
else console.log(JSON.stringify(report));

/** What the benches record about the machine and process they ran in (the figures mean little without it). */
import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  readonly node: string;
  readonly cpu: string;
  readonly cpus: number;
  readonly totalMemGB: number;
  /** The 1, 5 and 15 minute load averages at the start, to two decimals (with `load: true`). */
  readonly loadavg?: number[];
  /** This process's node flags. */
  readonly flags: string;
}

/** The start of a bench's `env` record; `load: true` adds the load averages. */
export function machine(options: { readonly load?: boolean } = {}): Machine {
  return {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    totalMemGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    ...(options.load === true ? { loadavg: loadavg().map((x) => Math.round(x * 100) / 100) } : {}),
    flags: process.execArgv.join(' '),
  };
}

/** The line that opens a bench's text output: `title — node v20…, 2 × CPU, 23.5 GB[, load …], flags: …`. */
export function machineLine(title: string, m: Machine): string {
  const load = m.loadavg === undefined ? '' : `, load ${m.loadavg.join(' ')}`;
  return `${title} — node ${m.node}, ${m.cpus} × ${m.cpu}, ${m.totalMemGB} GB${load}, flags: ${m.flags || '(none)'}`;
}

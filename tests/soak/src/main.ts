/**
 * `npm run soak [-- --duration=10m --seed=N]`: runs the soak and writes its figures to RELIABILITY.md at the
 * repository root. `--replay=<round seed>` runs that one round again and writes nothing. Exits with 1 when
 * anything was lost, duplicated, leaked, hung or crashed.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { integer, parseArgs, runMain, type OptionSpec } from '@minigun/bench-harness';
import { reliabilityReport } from './report.js';
import { soak } from './soak.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration: a number with a unit (`90s`, `10m`, `1h`, `500ms`); a bare number is seconds. */
function duration(fallbackMs: number, help: string): OptionSpec<number> {
  return {
    help,
    fallback: fallbackMs,
    takesValue: true,
    parse: (raw, name) => {
      const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
      if (match === null) throw new Error(`${name}: expected a duration such as 90s, 10m or 1h, got "${raw}"`);
      return Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
    },
    show: (ms) => (ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`),
  };
}

const OPTIONS = {
  duration: duration(10 * 60_000, 'how long rounds keep starting'),
  seed: integer(Date.now() % 4294967296, 'seed of the rounds’ seeds (default: from the clock; printed)'),
  replay: integer(0, 'run only the round with this seed (as printed per round), write no report'),
};

const REPORT = fileURLToPath(new URL('../../../RELIABILITY.md', import.meta.url));

runMain(async () => {
  const args = parseArgs('npm run soak --', OPTIONS);
  const replay = args.replay === 0 ? undefined : args.replay;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  log(replay === undefined ? `soak: seed ${args.seed}, ${args.duration / 1000} s` : `soak: replaying round seed ${replay}`);
  const summary = await soak({ durationMs: args.duration, seed: args.seed, ...(replay === undefined ? {} : { replay }), log });
  const report = reliabilityReport(summary, args.duration);
  if (replay === undefined) {
    writeFileSync(REPORT, report);
    log(`soak: figures written to ${REPORT}`);
  } else {
    process.stdout.write(report);
  }
  return summary.findings.length === 0 ? 0 : 1;
});

/**
 * Minigun benchmark entry: `npm run bench` (root) or, in packages/core, `node --expose-gc --import tsx bench/run.ts`.
 * Runs each workload through Minigun (the built @minigun/core from dist) and through baselines in the same
 * process, prints items/s and ratios (minigun / baseline), then the peak-RSS children and the targets.
 *
 * Options: --json (one JSON document on stdout, progress on stderr), --runs=5, --n=1000000,
 * --only=w1,w2,w3,w4,w5, --rss-n=1000000,5000000.
 * Exit code: 1 when a variant computed a wrong sum, threw, or a Minigun run did not complete; never for
 * slowness or memory (this machine is shared and noisy: read the figures, do not assert on them).
 */
import { cpus, totalmem } from 'node:os';
import { hasGc, measureWorkload, mps, type Workload, type WorkloadResult } from './measure.js';
import { workload1 } from './workloads/w1-sync.js';
import { workload2 } from './workloads/w2-batch.js';
import { workload3 } from './workloads/w3-async.js';
import { progressSent, workload5 } from './workloads/w5-progress.js';
import { RSS_TARGET_MB, measureRss, type RssRow } from './workloads/w4-rss.js';

interface Args {
  json: boolean;
  runs: number;
  n: number;
  only: Set<string>;
  rssN: number[];
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: false, runs: 5, n: 1_000_000, only: new Set(['w1', 'w2', 'w3', 'w4', 'w5']), rssN: [1_000_000, 5_000_000] };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${key} needs a value`);
      return v;
    };
    const int = (v: string): number => {
      const x = Number(v.replaceAll('_', ''));
      if (!Number.isSafeInteger(x) || x < 0) throw new Error(`${key}: expected a non-negative integer, got "${v}"`);
      return x;
    };
    switch (key) {
      case '--json':
        args.json = true;
        break;
      case '--runs':
        args.runs = Math.max(1, int(value()));
        break;
      case '--n':
        args.n = int(value());
        break;
      case '--only':
        args.only = new Set(
          value()
            .split(',')
            .map((s) => s.trim()),
        );
        break;
      case '--rss-n':
        args.rssN = value().split(',').map(int);
        break;
      case '--help':
      case '-h':
        console.log('node --expose-gc --import tsx bench/run.ts [--json] [--runs=5] [--n=1000000] [--only=w1,w2,w3,w4,w5] [--rss-n=1000000,5000000]');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${key} (try --help)`);
    }
  }
  return args;
}

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const pad = (s: string, w: number): string => (s.length >= w ? s : s + ' '.repeat(w - s.length));
const lpad = (s: string, w: number): string => (s.length >= w ? s : ' '.repeat(w - s.length) + s);

interface Ratio {
  readonly workload: string;
  readonly baseline: string;
  /** minigun / baseline from the best runs and from the median runs. */
  readonly best: number;
  readonly median: number;
}

function ratiosOf(w: WorkloadResult): Ratio[] {
  const mg = w.variants.find((v) => v.role === 'minigun');
  if (mg === undefined) return [];
  return w.variants
    .filter((v) => v.role === 'baseline')
    .map((v) => ({ workload: w.id, baseline: v.name, best: mg.bestRate / v.bestRate, median: mg.medianRate / v.medianRate }));
}

function printWorkload(w: WorkloadResult, runs: number): void {
  const ratios = ratiosOf(w);
  console.log(`\n${w.id.toUpperCase()}  ${w.title}  (N = ${fmtInt(w.items)}, warm-up + ${runs} runs)`);
  const header = [pad('variant', 38), lpad('best M/s', 9), lpad('median M/s', 11), lpad('ratio best', 11), lpad('ratio median', 13), '  sum'];
  console.log(header.join(''));
  console.log('-'.repeat(header.join('').length + 4));
  for (const v of w.variants) {
    const r = ratios.find((x) => x.baseline === v.name);
    const ratioBest = v.role === 'minigun' ? '(1.00)' : r === undefined ? '' : `${r.best.toFixed(2)}x`;
    const ratioMedian = v.role === 'minigun' ? '(1.00)' : r === undefined ? '' : `${r.median.toFixed(2)}x`;
    const sum = v.error !== undefined ? `ERROR: ${v.error}` : v.correct ? 'ok' : `WRONG (${v.value} ≠ ${w.expected})`;
    console.log([pad(v.name, 38), lpad(mps(v.bestRate), 9), lpad(mps(v.medianRate), 11), lpad(ratioBest, 11), lpad(ratioMedian, 13), `  ${sum}`].join(''));
  }
}

function printRss(rows: readonly RssRow[]): void {
  console.log(`\nW4  peak RSS of workload 1 in Minigun, one fresh child process per N (target < ${RSS_TARGET_MB} MB, judged on plain node)`);
  const header = [
    pad('child', 20),
    pad('N', 12),
    lpad('maxRSS MB', 10),
    lpad('VmHWM', 7),
    lpad('Δ floor', 9),
    lpad('M/s', 7),
    lpad('ms', 7),
    '  target  sum',
  ].join('');
  console.log(header);
  console.log('-'.repeat(header.length + 6));
  for (const r of rows) {
    const floor = rows.find((x) => x.mode === r.mode && x.n === 0)?.maxRssMB ?? NaN;
    const label = r.mode === 'plain' ? 'plain node' : 'node --import tsx';
    const target = r.n === 0 || r.mode === 'tsx' ? 'info' : r.maxRssMB < RSS_TARGET_MB ? 'PASS' : 'FAIL';
    const sum = r.error !== undefined ? `ERROR: ${r.error}` : r.value === r.expected ? 'ok' : `WRONG (${r.value} ≠ ${r.expected})`;
    console.log(
      [
        pad(label, 20),
        pad(r.n === 0 ? '0 (floor)' : fmtInt(r.n), 12),
        lpad(r.maxRssMB.toFixed(1), 10),
        lpad(r.hwmMB === undefined ? '-' : r.hwmMB.toFixed(1), 7),
        lpad(r.n === 0 ? '' : `+${(r.maxRssMB - floor).toFixed(1)}`, 9),
        lpad(r.n === 0 ? '-' : mps(r.rate), 7),
        lpad(r.ms.toFixed(0), 7),
        `  ${pad(target, 6)}  ${sum}`,
      ].join(''),
    );
  }
  const floorOf = (mode: RssRow['mode']): number => rows.find((x) => x.mode === mode && x.n === 0)?.maxRssMB ?? NaN;
  const loader = floorOf('tsx') - floorOf('plain');
  console.log(
    `  (one cold run per child: throughput includes JIT warm-up${Number.isFinite(loader) ? `; the tsx loader alone adds ${loader.toFixed(1)} MB to the floor` : ''})`,
  );
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const log = (msg: string): void => {
    if (args.json) process.stderr.write(`${msg}\n`);
  };
  const env = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    totalMemGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    flags: process.execArgv.join(' '),
    gc: hasGc(),
    runs: args.runs,
    n: args.n,
  };
  if (!args.json) {
    console.log(`Minigun bench — node ${env.node}, ${env.cpus} × ${env.cpu}, ${env.totalMemGB} GB, flags: ${env.flags || '(none)'}`);
    console.log('items/s in millions (M/s); ratio = minigun / baseline (> 1: Minigun faster). Best and median of the timed runs.');
    if (!env.gc) console.log('note: run with --expose-gc to collect garbage between runs');
  }

  const workloads: Workload[] = [];
  if (args.only.has('w1')) workloads.push(workload1(args.n));
  if (args.only.has('w2')) workloads.push(workload2(args.n));
  if (args.only.has('w3')) workloads.push(workload3(args.n));
  if (args.only.has('w5')) workloads.push(workload5(args.n));

  const results: WorkloadResult[] = [];
  for (const w of workloads) {
    const r = await measureWorkload(w, args.runs, log);
    results.push(r);
    if (!args.json) printWorkload(r, args.runs);
    if (!args.json && r.id === 'w5')
      console.log(`  (${progressSent.events} progress events, ${progressSent.chars.toLocaleString('en-US')} JSON characters over all runs)`);
  }

  const rss: RssRow[] = [];
  if (args.only.has('w4')) {
    rss.push(...(await measureRss(args.rssN, log)));
    if (!args.json) printRss(rss);
  }

  // Targets.
  const w1 = results.find((r) => r.id === 'w1');
  const w1Ratio = w1 === undefined ? undefined : ratiosOf(w1).find((r) => r.baseline === 'stream.pipeline, fast Readable');
  const throughputTarget =
    w1Ratio === undefined
      ? undefined
      : { ratioBest: w1Ratio.best, ratioMedian: w1Ratio.median, verdict: w1Ratio.best >= 1 ? 'PASS' : w1Ratio.best < 0.5 ? 'FAIL (defect: < 0.5)' : 'FAIL' };
  const w5 = results.find((r) => r.id === 'w5');
  const w5Ratio = w5 === undefined ? undefined : ratiosOf(w5)[0];
  const progressTarget =
    w5Ratio === undefined
      ? undefined
      : { ratioBest: w5Ratio.best, ratioMedian: w5Ratio.median, events: progressSent.events, verdict: w5Ratio.median >= 0.95 ? 'PASS' : 'FAIL' };
  // Judged on plain node (the published artifact as users run it); the tsx rows carry the loader thread.
  const measuredRss = rss.filter((r) => r.n > 0 && r.mode === 'plain');
  const rssTarget =
    measuredRss.length === 0
      ? undefined
      : { maxMB: Math.max(...measuredRss.map((r) => r.maxRssMB)), verdict: measuredRss.every((r) => r.maxRssMB < RSS_TARGET_MB) ? 'PASS' : 'FAIL' };

  const wrong = [
    ...results.flatMap((w) => w.variants.filter((v) => !v.correct).map((v) => `${w.id} / ${v.name}: ${v.error ?? `sum ${v.value} ≠ ${w.expected}`}`)),
    ...rss.filter((r) => r.error !== undefined || r.value !== r.expected).map((r) => `w4 / ${r.mode} N=${r.n}: ${r.error ?? `sum ${r.value} ≠ ${r.expected}`}`),
  ];
  const elapsedS = (performance.now() - started) / 1000;

  if (args.json) {
    console.log(
      JSON.stringify(
        {
          env,
          workloads: results,
          ratios: results.flatMap(ratiosOf),
          rss,
          targets: { throughput: throughputTarget, rss: rssTarget, progress: progressTarget },
          wrong,
          elapsedS,
        },
        null,
        2,
      ),
    );
  } else {
    console.log('\nTargets');
    if (throughputTarget !== undefined) {
      console.log(
        `  W1 minigun / stream.pipeline (fast Readable) ≥ 1.0: ${throughputTarget.ratioBest.toFixed(2)}x best, ${throughputTarget.ratioMedian.toFixed(2)}x median → ${throughputTarget.verdict}`,
      );
    }
    if (progressTarget !== undefined) {
      console.log(
        `  W5 with progress / without ≥ 0.95 (overhead < 5 %, median): ${progressTarget.ratioBest.toFixed(3)}x best, ${progressTarget.ratioMedian.toFixed(3)}x median → ${progressTarget.verdict}`,
      );
    }
    if (rssTarget !== undefined)
      console.log(`  W4 peak RSS < ${RSS_TARGET_MB} MB for every N (plain node): max ${rssTarget.maxMB.toFixed(1)} MB → ${rssTarget.verdict}`);
    console.log(wrong.length === 0 ? '\nAll variants computed the expected sums.' : `\nWRONG RESULTS:\n  ${wrong.join('\n  ')}`);
    console.log(`Total ${elapsedS.toFixed(1)} s.`);
  }
  return wrong.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 2;
  },
);

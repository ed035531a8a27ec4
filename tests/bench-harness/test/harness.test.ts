import { describe, expect, it } from 'vitest';
import { flag, helpText, integer, integers, measureAgainstBaseline, pairRatio, parseArgs, subset, tableLines, usage } from '../src/index.js';

const OPTIONS = {
  json: flag('JSON on stdout'),
  runs: integer(5, 'timed runs', { min: 1 }),
  only: subset(['cpu', 'dispatch'], 'workloads'),
  rssN: integers([1_000_000, 5_000_000], 'item counts'),
  fibCount: integer(64, 'inputs'),
};

describe('parseArgs', () => {
  it('gives the defaults, typed', () => {
    const args = parseArgs('cmd', OPTIONS, []);
    expect(args).toEqual({ json: false, runs: 5, only: new Set(['cpu', 'dispatch']), rssN: [1_000_000, 5_000_000], fibCount: 64 });
  });

  it('reads inline and separate values, kebab-case names, underscores, and raises values to their minimum', () => {
    const args = parseArgs('cmd', OPTIONS, ['--json', '--runs=0', '--only', 'dispatch', '--rss-n=10,2_000', '--fib-count=1_000']);
    expect(args).toEqual({ json: true, runs: 1, only: new Set(['dispatch']), rssN: [10, 2000], fibCount: 1000 });
  });

  it('names the option in every error', () => {
    expect(() => parseArgs('cmd', OPTIONS, ['--bogus'])).toThrow('unknown option --bogus (try --help)');
    expect(() => parseArgs('cmd', OPTIONS, ['--runs'])).toThrow('--runs needs a value');
    expect(() => parseArgs('cmd', OPTIONS, ['--runs=x'])).toThrow('--runs: expected a non-negative integer, got "x"');
    expect(() => parseArgs('cmd', OPTIONS, ['--runs=-1'])).toThrow('--runs: expected a non-negative integer, got "-1"');
    expect(() => parseArgs('cmd', OPTIONS, ['--json=no'])).toThrow('--json takes no value');
    expect(() => parseArgs('cmd', OPTIONS, ['--only=cpu,dispach'])).toThrow('--only: unknown "dispach" (expected any of cpu, dispatch)');
    expect(() => parseArgs('cmd', OPTIONS, ['--only='])).toThrow('--only: expected a comma-separated list');
  });

  it('generates the usage line and the help text from the declarations', () => {
    expect(usage('cmd', OPTIONS)).toBe('cmd [--json] [--runs=5] [--only=cpu,dispatch] [--rss-n=1000000,5000000] [--fib-count=64]');
    const help = helpText('cmd', OPTIONS);
    expect(help).toMatch(/^ {2}--fib-count=64 +inputs$/m);
    expect(help).toContain('-h, --help');
  });
});

describe('measureAgainstBaseline', () => {
  it('warms up, times interleaved rounds, checks sums and computes ratios and counters', async () => {
    const calls: string[] = [];
    let counter = 0;
    const result = await measureAgainstBaseline(
      {
        id: 'w',
        title: 'test',
        items: 4,
        warmItems: 2,
        runs: 2,
        expected: (n) => n * 10,
        variants: [
          { name: 'a', role: 'minigun', run: async (n) => (calls.push(`a${n}`), (counter += 3), n * 10) },
          { name: 'b', role: 'baseline', run: async (n) => (calls.push(`b${n}`), n * 10) },
          { name: 'bad', role: 'reference', run: async () => 1 },
          {
            name: 'throws',
            role: 'reference',
            run: async () => {
              throw new Error('boom');
            },
          },
        ],
      },
      { counters: { grown: () => counter } },
    );
    expect(calls).toEqual(['a2', 'b2', 'a4', 'b4', 'a4', 'b4']);
    expect(result).toMatchObject({ id: 'w', items: 4, runs: 2, expected: 40 });
    const [a, b, bad, throws] = result.variants;
    expect(a!.times).toHaveLength(2);
    expect(a!.grown).toBe(3);
    expect(b!.grown).toBe(0);
    expect(b!.ratioBest).toBe(1);
    expect(bad).toMatchObject({ correct: false, value: 1 });
    expect(throws).toMatchObject({ correct: false, error: 'boom' });
    expect(Object.keys(a!)).toEqual([
      'name',
      'role',
      'times',
      'bestMs',
      'medianMs',
      'bestRate',
      'medianRate',
      'ratioBest',
      'ratioMedian',
      'grown',
      'value',
      'correct',
    ]);
  });
});

describe('pairRatio', () => {
  const results = [
    {
      id: 'w',
      variants: [
        { name: 'ts', bestMs: 110, medianMs: 200 },
        { name: 'js', bestMs: 100, medianMs: 250 },
      ],
    },
  ];

  it("is the other row's time over the variant's, best and median, with both rows", () => {
    const pair = pairRatio(results, 'w', 'ts', 'js');
    expect(pair?.best).toBeCloseTo(100 / 110);
    expect(pair?.median).toBeCloseTo(250 / 200);
    expect(pair?.variant.name).toBe('ts');
    expect(pair?.other.name).toBe('js');
  });

  it('is undefined when a row or the workload did not run', () => {
    expect(pairRatio(results, 'w', 'ts', 'missing')).toBeUndefined();
    expect(pairRatio(results, 'other', 'ts', 'js')).toBeUndefined();
  });
});

describe('tableLines', () => {
  it('pads columns, rules the header and puts gaps before free-text columns', () => {
    const lines = tableLines(
      [
        { header: 'name', width: 6, cell: (r: { n: string; x: number }) => r.n },
        { header: 'x', width: 4, align: 'right', cell: (r) => String(r.x) },
        { header: 'sum', gap: '  ', cell: () => 'ok' },
      ],
      [{ n: 'ab', x: 7 }],
    );
    expect(lines).toEqual(['name     x  sum', '-'.repeat(19), 'ab       7  ok']);
  });
});

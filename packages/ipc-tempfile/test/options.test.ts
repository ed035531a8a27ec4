import { relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, MinigunError, Registry } from '@minigun/core';
import { tempfilePlugin, tempfileTransport, type TempfileOptions } from '@minigun/ipc-tempfile';
import { threadStrategies } from '@minigun/strategy-thread';
import { flakyPipelines } from './fixtures/pipelines.mjs';
import { expectNothingLeft, range, root, scratch, sorted } from './util';

afterEach(expectNothingLeft);

/** The error `tempfileTransport(options)` throws (the test fails if it throws none). */
function refusal(options: unknown): MinigunError {
  try {
    tempfileTransport(options as TempfileOptions);
  } catch (error) {
    return error as MinigunError;
  }
  throw new Error(`tempfileTransport(${String(options)}) accepted it`);
}

describe('tempfileTransport() options: refused when the factory is called, naming the option, the value and what is accepted', () => {
  it.each([
    // [options, the option and accepted range named, the value as given]
    [{ format: 'xml' }, `option "format" must be 'v8' or 'json'`, 'got "xml"'],
    [{ format: null }, `option "format" must be 'v8' or 'json'`, 'got null'],
    [{ shared: 'yes' }, 'option "shared" must be true or false', 'got "yes"'],
    [{ shared: 1 }, 'option "shared" must be true or false', 'got 1'],
    [{ dir: '' }, 'option "dir" must be a directory path', 'got ""'],
    [{ dir: 42 }, 'option "dir" must be a directory path', 'got 42'],
    [{ dir: '/tmp/a\0b' }, 'option "dir" must be a directory path', 'got "/tmp/a\\u0000b"'],
    [{ staleMs: 100 }, 'option "staleMs" must be an integer from 2000 to 600000 (ms)', 'got 100'],
    [{ staleMs: 600_001 }, 'option "staleMs" must be an integer from 2000 to 600000 (ms)', 'got 600001'],
    [{ staleMs: Number.NaN }, 'option "staleMs" must be an integer from 2000 to 600000 (ms)', 'got NaN'],
    [{ staleMs: Number.POSITIVE_INFINITY }, 'option "staleMs" must be an integer from 2000 to 600000 (ms)', 'got Infinity'],
    [{ staleMs: -5000 }, 'option "staleMs" must be an integer from 2000 to 600000 (ms)', 'got -5000'],
    [{ staleMs: 2500.5 }, 'option "staleMs" must be an integer from 2000 to 600000 (ms)', 'got 2500.5'],
    [{ staleMs: '5000' }, 'option "staleMs" must be an integer from 2000 to 600000 (ms)', 'got "5000"'],
    [{ batchBytes: 0 }, 'option "batchBytes" must be an integer from 1 to 1073741824 (1 GiB)', 'got 0'],
    [{ batchBytes: -1 }, 'option "batchBytes" must be an integer from 1 to 1073741824 (1 GiB)', 'got -1'],
    [{ batchBytes: Number.NaN }, 'option "batchBytes" must be an integer from 1 to 1073741824 (1 GiB)', 'got NaN'],
    [{ batchBytes: Number.NEGATIVE_INFINITY }, 'option "batchBytes" must be an integer from 1 to 1073741824 (1 GiB)', 'got -Infinity'],
    [{ batchBytes: 1.5 }, 'option "batchBytes" must be an integer from 1 to 1073741824 (1 GiB)', 'got 1.5'],
    [{ batchBytes: 2 ** 30 + 1 }, 'option "batchBytes" must be an integer from 1 to 1073741824 (1 GiB)', 'got 1073741825'],
    [{ batchBytes: 10n }, 'option "batchBytes" must be an integer from 1 to 1073741824 (1 GiB)', 'got 10n'],
    [{ folder: '/tmp' }, 'unknown option "folder"', 'got "/tmp"'],
    [{ stalems: 5000 }, 'unknown option "stalems"', 'the options are dir, format, shared, staleMs, batchBytes'],
    [null, 'the options must be an object', 'got null'],
    ['/tmp', 'the options must be an object', 'got "/tmp"'],
    [['/tmp'], 'the options must be an object', 'got an array'],
  ])('refuses %o', (options, rule, value) => {
    const error = refusal(options);
    expect(error).toBeInstanceOf(MinigunError);
    expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(error.message).toContain('tempfileTransport()');
    expect(error.message).toContain(rule);
    expect(error.message).toContain(value);
  });

  it('tempfilePlugin() checks the same options when it is called', () => {
    expect(() => tempfilePlugin({ staleMs: Number.NaN })).toThrow(/option "staleMs" must be an integer from 2000 to 600000 \(ms\); got NaN/);
  });

  it('reads each option once: what is checked is what is used', () => {
    let reads = 0;
    const options = {
      get format(): 'v8' | 'json' {
        reads++;
        return reads === 1 ? 'json' : ('xml' as 'json');
      },
    };
    expect(tempfileTransport(options).name).toBe('tempfile');
    expect(reads).toBe(1);
  });

  it.each<[string, (dir: string) => TempfileOptions]>([
    ['the bounds of every range, json records, a shared file', (dir) => ({ dir, format: 'json', shared: true, staleMs: 2000, batchBytes: 1 })],
    ['the upper bounds', (dir) => ({ dir, staleMs: 600_000, batchBytes: 2 ** 30 })],
    ['a relative dir and undefined for the others', (dir) => ({ dir: relative(process.cwd(), dir), format: undefined, shared: undefined })],
  ])(
    'accepts %s, and a run over it completes',
    async (_, make) => {
      const dir = root();
      const registry = new Registry().use(threadStrategies()).use(tempfilePlugin(make(dir)));
      // Every first attempt fails after writing records, its retry succeeds: only the retries' records arrive.
      const r = await flakyPipelines.thread.run({ registry, state: { count: 6, dir: scratch() } });
      expect(r.status).toBe('completed');
      expect(r.errors).toEqual([]);
      const got = r.collected.got as Array<{ n: number; attempt: string }>;
      expect(got.every((g) => g.attempt === 'ok')).toBe(true);
      expect(sorted(got.map((g) => g.n))).toEqual(range(6));
      expect(sorted(r.collected['ok-collect'])).toEqual(range(6));
    },
    60_000,
  );
});

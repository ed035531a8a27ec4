import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, cleanupDirs, fixture, packageDir, stateFile, tempDir } from './cli';

afterAll(cleanupDirs);

/**
 * A slow consumer of the CLI's stdout: reads a chunk, pauses 5 ms, reads the next; at the end it prints what
 * it got (bytes, and the parsed JSON document or NDJSON lines, or the parse error).
 */
const SLOW_READER = `
const chunks = [];
process.stdin.on('data', (chunk) => {
  chunks.push(chunk);
  process.stdin.pause();
  setTimeout(() => process.stdin.resume(), 5);
});
process.stdin.on('end', () => {
  const text = Buffer.concat(chunks).toString('utf8');
  const report = { bytes: Buffer.byteLength(text) };
  try {
    const docs = process.argv[1] === 'ndjson' ? text.trimEnd().split('\\n').map((l) => JSON.parse(l)) : [JSON.parse(text)];
    const result = docs.at(-1);
    Object.assign(report, { lines: docs.length, status: result.status, values: result.collected.values.length, last: result.collected.values.at(-1).slice(0, 12) });
  } catch (e) {
    report.error = e.message;
  }
  process.stdout.write(JSON.stringify(report));
});
`;

/** Reads the first line, prints it and exits, closing the pipe (what `head -n 1` does). */
const FIRST_LINE = `
let text = '';
process.stdin.on('data', (chunk) => {
  text += chunk;
  if (text.includes('\\n')) {
    process.stdout.write(JSON.stringify({ first: JSON.parse(text.slice(0, text.indexOf('\\n'))) }));
    process.exit(0);
  }
});
`;

interface Piped<R> {
  cliCode: number | null;
  cliStderr: string;
  /** What the reader printed, parsed. */
  reader: R;
}

interface SlowReaderReport {
  bytes: number;
  lines?: number;
  status?: string;
  values?: number;
  last?: string;
  error?: string;
}

/** `minigun <args> | node -e <reader> <readerArg>`, as two real processes joined by a pipe. */
async function piped<R>(args: readonly string[], reader: string, readerArg: string): Promise<Piped<R>> {
  const readerProcess = spawn(process.execPath, ['-e', reader, readerArg], { stdio: ['pipe', 'pipe', 'inherit'] });
  let readerOut = '';
  readerProcess.stdout.on('data', (d: Buffer) => (readerOut += d.toString()));
  const readerDone = new Promise<void>((resolve) => readerProcess.on('close', () => resolve()));
  const cli = spawn(process.execPath, [bin, ...args], {
    cwd: packageDir,
    stdio: ['ignore', readerProcess.stdin, 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  // The CLI holds its own copy of the pipe's write end: the reader sees the end of input when the CLI exits.
  readerProcess.stdin.destroy();
  let cliStderr = '';
  cli.stderr.on('data', (d: Buffer) => (cliStderr += d.toString()));
  const cliCode = await new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code)));
  await readerDone;
  return { cliCode, cliStderr, reader: JSON.parse(readerOut) as R };
}

describe('large output piped into a slow reader arrives whole', () => {
  // 2,000 values of 2,000 characters: about 4 MB of JSON, far more than a pipe holds (64 KiB on Linux).
  const state = { count: 2000, size: 2000 };

  it('--json: one JSON document, exit code 0', async () => {
    const r = await piped<SlowReaderReport>(['run', fixture('large-output.mjs'), '--json', '--state', stateFile(tempDir(), state)], SLOW_READER, 'json');
    expect(r.reader.error, `the JSON was cut after ${r.reader.bytes} bytes`).toBeUndefined();
    expect(r.reader).toMatchObject({ status: 'completed', values: 2000 });
    expect(r.reader.bytes).toBeGreaterThan(4_000_000);
    expect(r.cliStderr).toBe('');
    expect(r.cliCode).toBe(0);
  }, 60_000);

  it('--json --progress (NDJSON): every line, the result last, exit code 0', async () => {
    const r = await piped<SlowReaderReport>(
      ['run', fixture('large-output.mjs'), '--json', '--progress', '--state', stateFile(tempDir(), state)],
      SLOW_READER,
      'ndjson',
    );
    expect(r.reader.error, `the NDJSON was cut after ${r.reader.bytes} bytes`).toBeUndefined();
    expect(r.reader).toMatchObject({ status: 'completed', values: 2000 });
    expect(r.reader.lines).toBeGreaterThanOrEqual(2); // the final progress event, then the result
    expect(r.cliCode).toBe(0);
  }, 60_000);

  it('a failed run: the whole JSON, exit code 1', async () => {
    const r = await piped<SlowReaderReport>(
      ['run', fixture('large-output.mjs'), '--json', '--state', stateFile(tempDir(), { ...state, fail: true })],
      SLOW_READER,
      'json',
    );
    expect(r.reader.error, `the JSON was cut after ${r.reader.bytes} bytes`).toBeUndefined();
    expect(r.reader).toMatchObject({ status: 'failed', values: 1999, last: '1998:xxxxxxx' });
    expect(r.cliCode).toBe(1);
  }, 60_000);
});

describe('the reader of the output goes away', () => {
  it('a closed pipe (`| head -n 1`) cancels the run gracefully: exit 130, no crash', async () => {
    // 100,000 inputs of 50 ms on 4 slots would take over 20 minutes: only the cancel ends it within the timeout.
    const args = ['run', fixture('numbers.mjs'), '--json', '--progress', '--interval', '20', '--state', stateFile(tempDir(), { n: 100_000, ms: 50 })];
    const r = await piped<{ first: { type: string; pipeline: string } }>(args, FIRST_LINE, '');
    expect(r.reader.first).toMatchObject({ type: 'progress', pipeline: 'numbers' });
    expect(r.cliStderr).toBe('');
    expect(r.cliCode).toBe(130);
  }, 60_000);
});

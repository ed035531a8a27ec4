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

interface Piped {
  cliCode: number | null;
  cliStderr: string;
  reader: { bytes: number; lines?: number; status?: string; values?: number; last?: string; error?: string };
}

/** `minigun <args> | node -e SLOW_READER`, as two real processes joined by a pipe. */
async function pipedToSlowReader(args: readonly string[], format: 'json' | 'ndjson'): Promise<Piped> {
  const reader = spawn(process.execPath, ['-e', SLOW_READER, format], { stdio: ['pipe', 'pipe', 'inherit'] });
  let readerOut = '';
  reader.stdout.on('data', (d: Buffer) => (readerOut += d.toString()));
  const readerDone = new Promise<void>((resolve) => reader.on('close', () => resolve()));
  const cli = spawn(process.execPath, [bin, ...args], { cwd: packageDir, stdio: ['ignore', reader.stdin, 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  // The CLI holds its own copy of the pipe's write end: the reader sees the end of input when the CLI exits.
  reader.stdin.destroy();
  let cliStderr = '';
  cli.stderr.on('data', (d: Buffer) => (cliStderr += d.toString()));
  const cliCode = await new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code)));
  await readerDone;
  return { cliCode, cliStderr, reader: JSON.parse(readerOut) as Piped['reader'] };
}

describe('large output piped into a slow reader arrives whole', () => {
  // 2,000 values of 2,000 characters: about 4 MB of JSON, far more than a pipe holds (64 KiB on Linux).
  const state = { count: 2000, size: 2000 };

  it('--json: one JSON document, exit code 0', async () => {
    const r = await pipedToSlowReader(['run', fixture('large-output.mjs'), '--json', '--state', stateFile(tempDir(), state)], 'json');
    expect(r.reader.error, `the JSON was cut after ${r.reader.bytes} bytes`).toBeUndefined();
    expect(r.reader).toMatchObject({ status: 'completed', values: 2000 });
    expect(r.reader.bytes).toBeGreaterThan(4_000_000);
    expect(r.cliStderr).toBe('');
    expect(r.cliCode).toBe(0);
  }, 60_000);

  it('--json --progress (NDJSON): every line, the result last, exit code 0', async () => {
    const r = await pipedToSlowReader(['run', fixture('large-output.mjs'), '--json', '--progress', '--state', stateFile(tempDir(), state)], 'ndjson');
    expect(r.reader.error, `the NDJSON was cut after ${r.reader.bytes} bytes`).toBeUndefined();
    expect(r.reader).toMatchObject({ status: 'completed', values: 2000 });
    expect(r.reader.lines).toBeGreaterThanOrEqual(2); // the final progress event, then the result
    expect(r.cliCode).toBe(0);
  }, 60_000);

  it('a failed run: the whole JSON, exit code 1', async () => {
    const r = await pipedToSlowReader(['run', fixture('large-output.mjs'), '--json', '--state', stateFile(tempDir(), { ...state, fail: true })], 'json');
    expect(r.reader.error, `the JSON was cut after ${r.reader.bytes} bytes`).toBeUndefined();
    expect(r.reader).toMatchObject({ status: 'failed', values: 1999, last: '1998:xxxxxxx' });
    expect(r.cliCode).toBe(1);
  }, 60_000);
});

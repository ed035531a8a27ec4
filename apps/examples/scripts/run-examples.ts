/**
 * Runs every example (examples/NN-*.ts) as its own process, two at a time, and prints one pass/fail line
 * each; exits 1 if any failed. `npm run examples` (root or this workspace).
 *
 *   npx tsx scripts/run-examples.ts [filter]     # e.g. `17` or `hooks`: only the examples whose name matches
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const EXAMPLES_DIR = join(appDir, 'examples');

/** The example files, in order: `NN-name.ts` directly under examples/. */
export function listExamples(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => /^\d+-[\w-]+\.ts$/.test(f))
    .sort();
}

export interface ExampleResult {
  file: string;
  ok: boolean;
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
}

/** Runs one example (a file name under examples/, or an absolute path) under tsx with a deadline; a timed-out example is killed and fails. */
export function runExample(file: string, timeoutMs = 60_000): Promise<ExampleResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', isAbsolute(file) ? file : join(EXAMPLES_DIR, file)],
      { cwd: appDir, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({
          file,
          ok: error === null,
          code,
          ms: performance.now() - started,
          stdout,
          stderr: error?.killed === true ? `${stderr}\n(killed after ${timeoutMs} ms)` : stderr,
        });
      },
    );
  });
}

/** Runs the examples `parallel` at a time, calling `onResult` as each finishes. */
export async function runExamples(files: string[], parallel = 2, onResult: (r: ExampleResult) => void = () => undefined): Promise<ExampleResult[]> {
  const results: ExampleResult[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      const r = await runExample(files[next++]!);
      results.push(r);
      onResult(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, files.length) }, lane));
  return results.sort((a, b) => a.file.localeCompare(b.file));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const filter = process.argv[2];
  const files = listExamples().filter((f) => filter === undefined || f.includes(filter));
  if (files.length === 0) {
    console.error(`No example matches "${filter}". Examples: ${listExamples().join(', ')}`);
    process.exit(2);
  }
  const results = await runExamples(files, 2, (r) => {
    console.log(`${r.ok ? 'pass' : 'FAIL'}  ${r.file.padEnd(40)} ${(r.ms / 1000).toFixed(1)} s`);
    if (!r.ok) console.log(`${r.stdout}${r.stderr}`.replace(/^/gm, '      | '));
  });
  const failed = results.filter((r) => !r.ok);
  console.log(
    `\n${results.length - failed.length} of ${results.length} examples passed${failed.length > 0 ? `; failed: ${failed.map((r) => r.file).join(', ')}` : ''}`,
  );
  if (failed.length > 0) process.exitCode = 1;
}

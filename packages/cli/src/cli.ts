/**
 * The `minigun` process (loaded by bin/minigun.js): runs the command on this process's streams, then lets the
 * process end by itself, so that the output reaches a slow reader whole (see end-process.ts).
 */
import { endProcess, whenOutputGone } from './end-process.js';
import { runCli } from './run-command.js';

const output = { stdout: process.stdout, stderr: process.stderr };
const input = process.stdin;
// This process's own handles (its stdio): what the run leaves open is what comes on top.
const openBefore = process.getActiveResourcesInfo();
const code = await runCli(process.argv.slice(2), {
  ...output,
  output: process.stdout,
  input,
  cwd: process.cwd(),
  env: process.env,
  signal: whenOutputGone(output),
});
endProcess(code, output, openBefore);

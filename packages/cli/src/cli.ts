#!/usr/bin/env node
/** The `minigun` bin. Exits explicitly: a pipeline's leftovers (timers, sockets) must not keep it alive. */
import { runCli } from './run-command.js';

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  output: process.stdout,
  input: process.stdin,
  cwd: process.cwd(),
  env: process.env,
});
process.exit(code);

#!/usr/bin/env node
// The `minigun-bullmq-worker` bin. It is a committed file, not a build output, because npm links a
// workspace package's bin only if the file exists when it installs: in a fresh clone, `npm ci` runs before
// the build. It loads the built command, or says how to build it (a published package always has dist/).
/* global process, URL */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/worker-cli.js', import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  process.stderr.write(
    `minigun-bullmq-worker: the command is not built yet (${fileURLToPath(built)} is missing). Build it first: run "npm run build" at the root of the repository, then run minigun-bullmq-worker again.\n`,
  );
  process.exitCode = 1;
}

/**
 * `minigun-bullmq-worker <module> --redis <url> [--concurrency N] [--pipeline name] [--stages a,b]`: serves
 * the `bullmq` stages of a pipeline module until SIGTERM or SIGINT (then it finishes its active jobs; a
 * second signal stops at once, and the jobs it held are failed or retried by their run once their lock
 * expires). The connection may also come from the environment: MINIGUN_REDIS_URL (a URL) or
 * MINIGUN_REDIS_CONNECTION (JSON of ioredis options), so that a password need not appear in `ps`.
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { describeConnection, preflightWorker, type RedisConnection } from './cli-support.js';
import { importPipelineModule } from '@minigun/core/toolkit';
import { fingerprintIn, moduleHref, stagesToServe } from './fingerprint.js';
import type { LocalWorkerMessage } from './local-workers.js';
import { serveStages } from './worker.js';

const USAGE = `usage: minigun-bullmq-worker <pipeline module> --redis <url> [--concurrency N] [--pipeline name] [--stages a,b] [--prefix minigun]
       [--lock-duration-ms 30000] [--stalled-interval-ms 30000] [--max-value-bytes N] [--quiet]
The Redis URL may also come from MINIGUN_REDIS_URL (or MINIGUN_REDIS_CONNECTION, JSON of ioredis options).`;

function fail(message: string): never {
  process.stderr.write(`minigun-bullmq-worker: ${message}\n`);
  process.exit(2);
}

function positiveInt(name: string, value: string | undefined, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a whole number of at least 1, got "${value}".\n${USAGE}`);
  return n;
}

/**
 * A local worker tells the parent that started it the fingerprints of its stages as soon as it has imported
 * the module (the import is shared with serveStages'): the parent takes them instead of importing the module
 * once more itself, and stores the run's setup and sends its first jobs while this process connects to Redis.
 * A module that fails to import, or lacks the stages, is reported by main() as any failure.
 */
function reportImported(module: string, pipeline: string | undefined, stages: readonly string[] | undefined): void {
  const href = moduleHref(module);
  importPipelineModule(href)
    .then((exports) => {
      const served = stagesToServe(href, exports, { pipeline, stages });
      const report: LocalWorkerMessage = {
        t: 'imported',
        served: served.map((s) => ({ ...s, fingerprint: fingerprintIn(exports, s.pipeline, s.stage) ?? null })),
      };
      process.send?.(report);
    })
    .catch(() => undefined);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        redis: { type: 'string' },
        concurrency: { type: 'string' },
        pipeline: { type: 'string' },
        stages: { type: 'string' },
        prefix: { type: 'string' },
        'lock-duration-ms': { type: 'string' },
        'stalled-interval-ms': { type: 'string' },
        'max-value-bytes': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (positionals.length !== 1) fail(`give exactly one pipeline module.\n${USAGE}`);
  const envJson = process.env.MINIGUN_REDIS_CONNECTION;
  const connection: RedisConnection | undefined =
    values.redis ?? process.env.MINIGUN_REDIS_URL ?? (envJson !== undefined ? (JSON.parse(envJson) as RedisConnection) : undefined);
  if (connection === undefined) fail(`no Redis given: pass --redis <url> or set MINIGUN_REDIS_URL.\n${USAGE}`);
  const stages = values.stages?.split(',').filter((s) => s !== '');
  // The Redis check runs while the module is imported: an unreachable Redis still ends the command with a
  // clear message (serveStages' own connections would retry forever), and a reachable one costs no wait. A
  // local worker (started by a parent, over IPC) skips it: its parent has made the same check.
  const serving = serveStages({
    module: positionals[0]!,
    connection,
    prefix: values.prefix,
    concurrency: positiveInt('concurrency', values.concurrency, 1),
    pipeline: values.pipeline,
    stages,
    lockDurationMs: positiveInt('lock-duration-ms', values['lock-duration-ms'], undefined),
    stalledIntervalMs: positiveInt('stalled-interval-ms', values['stalled-interval-ms'], undefined),
    maxValueBytes: positiveInt('max-value-bytes', values['max-value-bytes'], undefined),
  });
  serving.catch(() => undefined); // reported below, unless the Redis check fails first
  if (process.send !== undefined) reportImported(positionals[0]!, values.pipeline, stages);
  else await preflightWorker(connection);
  const service = await serving;
  if (values.quiet !== true) {
    for (const s of service.served) {
      process.stdout.write(
        `minigun-bullmq-worker ${hostname()} pid ${process.pid}: serving stage "${s.stage}" of pipeline "${s.pipeline}" (queue ${s.queue}) at ${describeConnection(connection)}${s.refusal !== undefined ? ` — refusing its jobs: ${s.refusal}` : ''}\n`,
      );
    }
  }
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1); // second signal: at once
    stopping = true;
    service.close('graceful').then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // A local worker started by a parent: gone with it.
  if (process.send !== undefined) process.on('disconnect', stop);
}

main().catch((error: unknown) => {
  const message = (error as Error).message;
  process.stderr.write(`minigun-bullmq-worker: ${message}\n`);
  if (process.send === undefined) process.exit(1);
  // A local worker: its parent reports why it could not serve (the message must reach it before the exit).
  const report: LocalWorkerMessage = { t: 'failed', message };
  process.send(report, () => process.exit(1));
});

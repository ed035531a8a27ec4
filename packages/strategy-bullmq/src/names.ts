/**
 * Names in Redis. BullMQ keeps each stage's queue under `<prefix>:<queue>:…`; what Minigun adds for one run
 * of one stage lives under `<prefix>:minigun:run:<run id>:…` and is deleted when the run ends, however it
 * ends. Worker heartbeats are per queue, not per run.
 */

/** The BullMQ queue of a stage: one per pipeline and stage, shared by every run (BullMQ forbids `:`). */
export function queueName(pipeline: string, stage: string): string {
  return `${pipeline}~${stage}`.replaceAll(':', '%3A');
}

/** The keys of one run of one stage. */
export function runKeys(prefix: string, run: string) {
  const base = `${prefix}:minigun:run:${run}`;
  return {
    /** The run's setup (state snapshot, transport), stored once: v8-serialised. Its presence means the run is live. */
    setup: `${base}:setup`,
    /** Messages from workers to the parent (a list): job started, outcomes, afterFork reports. */
    inbox: `${base}:inbox`,
    /** Counter that gives each worker process joining the run its worker id. */
    workers: `${base}:workers`,
  };
}

/** Heartbeats of the worker processes serving a queue: a sorted set, member `host:pid`, score Redis time (ms). */
export function heartbeatKey(prefix: string, queue: string): string {
  return `${prefix}:minigun:workers:${queue}`;
}

/** Pub/sub channel on which parents announce runs that are cancelled or over. */
export function eventsChannel(prefix: string): string {
  return `${prefix}:minigun:events`;
}

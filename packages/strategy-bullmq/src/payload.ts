/**
 * Values cross Redis with structured-clone semantics, as with the other isolated strategies (a Map stays a
 * Map, a Date a Date): v8.serialize, the format of Node's own structured clone, not BullMQ's JSON. Job data
 * must be JSON, so inputs travel base64-encoded inside it; messages back to the parent are raw bytes.
 */
import { deserialize, serialize } from 'node:v8';

export const encode = (value: unknown): Buffer => serialize(value);
export const decode = <T>(bytes: Buffer): T => deserialize(bytes) as T;
export const encodeText = (value: unknown): string => serialize(value).toString('base64');
export const decodeText = <T>(text: string): T => deserialize(Buffer.from(text, 'base64')) as T;

/** What a job carries (BullMQ job data). */
export interface JobData {
  /** The run (of one stage) the job belongs to. */
  readonly run: string;
  /**
   * Fingerprints of the stage's code in the parent: of the module as written and, for TypeScript, of the
   * JavaScript compiled from it for local workers. A worker whose code matches neither refuses the job.
   */
  readonly fingerprints: readonly string[];
  /** The inputs of the job (a chunk), v8-serialised and base64-encoded; each is its own attempt. */
  readonly inputs: string;
}

/** Worker → parent, through the run's inbox list. */
export type InboxMessage =
  /** A worker took a job: who, for errors if it dies. */
  | { readonly t: 'started'; readonly job: string; readonly host: string; readonly pid: number }
  /**
   * A job's outcomes, one per input, in order. `ms`: how long the inputs took in the worker, which is what
   * chunking sizes jobs by (the round trip through Redis is the cost chunking spreads).
   */
  | { readonly t: 'done'; readonly job: string; readonly outcomes: import('@minigun/core/toolkit').InputOutcome[]; readonly ms?: number }
  /** A worker joined the run and ran afterFork. */
  | { readonly t: 'ready'; readonly workerId: number; readonly host: string; readonly pid: number; readonly hooks: import('@minigun/core/toolkit').HookReport };

/** What the parent stores once per run. */
export interface RunSetup {
  readonly pipeline: string;
  readonly stage: string;
  readonly state: unknown;
  readonly transport?: { readonly name: string; readonly module: string; readonly config: unknown };
}

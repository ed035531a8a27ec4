/** Types of soak-pipeline.mjs. */
import type { Pipeline } from '@minigun/core';

/** The isolated stages, which journal their attempts and fail on purpose. */
export type IsolatedStage = 'thread' | 'ipc' | 'cow';

/** Per attempt: the chance to throw, then to end its thread or process; per input: the chance to fail every attempt (doom). */
export interface Faults {
  throw: number;
  exit: number;
  doom: number;
}

export interface SoakState {
  /** The round's seed: every fault and delay of the stages is drawn from it. */
  seed: number;
  /** Inputs the producer emits, with ids 0 … count − 1. */
  count: number;
  /** The attempt journal's directory. */
  journal: string;
  /** Longest wait of an attempt before it decides its fate (drawn per attempt). */
  delayMs: number;
  faults: Record<IsolatedStage, Faults>;
}

/** A good attempt's mark on an item: stage, pid, threadId (0 in a child's main thread), attempt number. */
export interface Mark {
  s: IsolatedStage;
  pid: number;
  tid: number;
  n: number;
}

export interface Item {
  id: number;
  trail: Mark[];
  poison?: true;
}

/** What the consumer collects under 'delivered': a batch, keyed by its first id, with its attempt's pid and number. */
export interface Delivery {
  key: number;
  pid: number;
  n: number;
  items: Item[];
  poison?: true;
}

export declare const BATCH_SIZE: number;
export declare const soakPipeline: Pipeline<SoakState>;

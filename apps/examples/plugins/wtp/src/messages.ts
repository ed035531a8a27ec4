/**
 * What travels between the `wtp` executor and its pool's workers. node-worker-threads-pool answers each task
 * with exactly one message, so a task carries one input (or a producer run) and its reply carries the
 * outcome. The stage-level pieces (WorkerSetup, InputOutcome, HookReport, Emission) are the shared worker
 * protocol of @minigun/core/toolkit; worker.mjs speaks the same shapes.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Emission } from '@minigun/core';
import type { HookReport, InputOutcome, SerializedError, WorkerSetup } from '@minigun/core/toolkit';

export interface WtpTask {
  /** Identifies the executor (one pool per stage and run): a worker serves one key. */
  readonly key: string;
  /** Present when the parent answers `needsSetup`: beforeFork has run and the state was snapshot for it. */
  readonly setup?: WorkerSetup;
  readonly message: { readonly t: 'input'; readonly input: unknown } | { readonly t: 'produce' };
  /** Producer runs: emissions go to the parent over this port, credits come back on it. */
  readonly port?: MessagePort;
}

/** A worker that took `setup` reports its afterFork hooks with the reply. */
export interface Ready {
  readonly workerId: number;
  readonly hooks: HookReport;
}

export type WtpReply =
  | { readonly t: 'result'; readonly outcome: InputOutcome; readonly ready?: Ready; readonly threadId: number }
  | { readonly t: 'produced'; readonly emitted: number; readonly error?: SerializedError; readonly ready?: Ready }
  /** This worker has no runtime for the task's key and the task brought no setup: send it again with one. */
  | { readonly t: 'needsSetup' }
  /** The worker could not set the stage up (module, pipeline or stage not found, …). */
  | { readonly t: 'fatal'; readonly error: SerializedError; readonly ready?: Ready };

/** Producer port traffic: worker → parent emissions, parent → worker credit (flow control). */
export type PortMessage = { readonly t: 'emission'; readonly emission: Emission } | { readonly t: 'credit'; readonly n: number };

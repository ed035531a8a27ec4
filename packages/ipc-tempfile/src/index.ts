/**
 * @minigun/ipc-tempfile — the `tempfile` transport: what isolated workers emit and collect is written as
 * framed records to private tempfiles and streamed back by the parent.
 *
 *   registry.use(tempfilePlugin());              // or: import '@minigun/ipc-tempfile/register'
 *   p.processor('render', { strategy: 'cow-fork', transport: 'tempfile' }, fn);
 */
import type { MinigunPlugin, Transport } from '@minigun/core';
import { resolveOptions, type TempfileOptions } from './options.js';
import { TempfileSession } from './session.js';

/** Resolved from src/ (tests) and dist/ alike: the built worker half. */
const WORKER_MODULE = new URL('../dist/writer.js', import.meta.url).href;

/** The `tempfile` transport. Options are checked here, so a bad option fails where it is written. */
export function tempfileTransport(options: TempfileOptions = {}): Transport {
  const resolved = resolveOptions(options);
  return {
    name: 'tempfile',
    workerModule: WORKER_MODULE,
    open: (stage) => TempfileSession.open(resolved, stage),
  };
}

/** A plugin with the `tempfile` transport, for `registry.use()`. */
export function tempfilePlugin(options: TempfileOptions = {}): MinigunPlugin {
  return { name: '@minigun/ipc-tempfile', transports: [tempfileTransport(options)] };
}

export { readRecords, type ReadOptions } from './read.js';
export { encodeRecords, HEADER_BYTES } from './frame.js';
export type { TempfileOptions, RecordFormat } from './options.js';

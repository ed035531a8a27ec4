/**
 * 55 named contexts: declare how a kind of work runs once — `p.context('cpu', { strategy: 'thread',
 * concurrency: 2 })`, `p.context('io', { concurrency: 8 })` — and let stages join it with `{ context: 'cpu' }`.
 * A stage's own options still win over its context (`compress` keeps the thread but takes concurrency 1).
 *
 *   files ─> download (io: inline, 8 at once) ─> checksum (cpu: 2 threads) ─> compress (cpu, 1 thread) ─> save
 *
 * Run: npx tsx examples/55-named-contexts.ts   or   npx minigun run examples/55-named-contexts.ts
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { threadId } from 'node:worker_threads';
import { isMain, pipeline } from '@minigun/core';
import '@minigun/strategy-thread/register';
import { distinct, done, expect, span } from './lib/check.js';

const FILES = 24;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Downloads in progress in this process, and the most at once (the inline `download` stage only). */
const downloads = { now: 0, peak: 0 };

interface File {
  name: string;
  body: string;
}

export const namedContexts = pipeline('named-contexts', { module: import.meta.url }, (p) => {
  p.context('io', { concurrency: 8 });
  p.context('cpu', { strategy: 'thread', concurrency: 2 });

  p.producer('files', () => span(1, FILES).map((n) => `file-${n}.txt`));
  p.processor('download', { context: 'io' }, async (name: string): Promise<File> => {
    downloads.peak = Math.max(downloads.peak, ++downloads.now);
    await sleep(10); // waiting on the network: cheap to overlap
    downloads.now--;
    return { name, body: `${name} `.repeat(2000) };
  });
  p.processor('checksum', { context: 'cpu' }, (f: File, _out, ctx) => {
    ctx.collect('threads', { stage: 'checksum', threadId });
    return { ...f, sha256: createHash('sha256').update(f.body).digest('hex') };
  });
  p.processor('compress', { context: 'cpu', concurrency: 1 }, (f: File & { sha256: string }, _out, ctx) => {
    ctx.collect('threads', { stage: 'compress', threadId });
    return { name: f.name, sha256: f.sha256, bytes: f.body.length, gzipped: gzipSync(f.body).length };
  });
  p.consumer('save', (r: { name: string; bytes: number; gzipped: number }, _out, ctx) => {
    ctx.collect('saved', r);
  });
});

if (isMain(import.meta)) {
  for (const s of namedContexts.stages) console.log(`55 ${s.name.padEnd(9)} ${s.strategy.padEnd(7)} concurrency ${s.concurrency}`);
  const result = await namedContexts.run();
  const saved = (result.collected.saved ?? []) as Array<{ name: string; bytes: number; gzipped: number }>;
  const threads = (result.collected.threads ?? []) as Array<{ stage: string; threadId: number }>;
  const threadsOf = (stage: string) => distinct(threads.filter((t) => t.stage === stage).map((t) => t.threadId));
  const s = result.stats.stages;
  console.log(
    `55 ${saved.length} files saved; download peak ${downloads.peak} at once; checksum threads ${threadsOf('checksum').join(',')}, compress threads ${threadsOf('compress').join(',')}`,
  );
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(saved.length === FILES && new Set(saved.map((r) => r.name)).size === FILES, `all ${FILES} files were saved once`);
  expect(s.download?.strategy === 'inline' && s.download.concurrency === 8, 'download took the io context: inline, concurrency 8');
  expect(downloads.peak > 1 && downloads.peak <= 8, `downloads overlapped, at most 8 at once (peak ${downloads.peak})`);
  expect(
    s.checksum?.strategy === 'thread' && s.checksum.concurrency === 2 && threadsOf('checksum').length <= 2 && !threadsOf('checksum').includes(threadId),
    'checksum took the cpu context: at most 2 worker threads',
  );
  expect(
    s.compress?.strategy === 'thread' && s.compress.concurrency === 1 && threadsOf('compress').length === 1 && !threadsOf('compress').includes(threadId),
    "compress's own concurrency 1 won over the context's 2: one worker thread",
  );
  done('55-named-contexts');
}

/**
 * 59 fan-out and fan-in across processes: every image goes both to `thumbnail`, a pool of 2 persistent child
 * processes (`ipc-fork`), and to `scan`, a fresh child process per image (`cow-fork`); their results come
 * back to `merge` in the parent, which joins the two halves of each image by id.
 *
 *   images ─┬─> thumbnail (ipc-fork, 2 children) ─┬─> merge (inline: join by id) ─> catalog
 *           └─> scan (cow-fork, a child each) ────┘
 *
 * `merge` is a custom stage (`p.stage`): it reads its whole input stream, so the half it is waiting for is a
 * local variable, fresh for every run.
 *
 * Run: npx tsx examples/59-fork-fan-out-fan-in.ts   or   npx minigun run examples/59-fork-fan-out-fan-in.ts
 */
import { isMain, pipeline } from '@minigun/core';
import '@minigun/strategy-fork/register';
import { distinct, done, expect, span } from './lib/check.js';

interface Image {
  id: number;
  pixels: number[];
}
interface Thumbnail {
  id: number;
  kind: 'thumbnail';
  thumb: number[];
  pid: number;
}
interface Scan {
  id: number;
  kind: 'scan';
  brightness: number;
  pid: number;
}
interface Entry {
  id: number;
  thumb: number[];
  brightness: number;
  thumbnailPid: number;
  scanPid: number;
  mergedIn: number;
}

const IMAGES = 3;

export const forkFanOutFanIn = pipeline('fork-fan-out-fan-in', { module: import.meta.url }, (p) => {
  p.producer('images', { to: ['thumbnail', 'scan'] }, () =>
    span(1, IMAGES).map((id): Image => ({ id, pixels: span(0, 63).map((i) => (id * 31 + i * 7) % 256) })),
  );
  p.processor(
    'thumbnail',
    { strategy: 'ipc-fork', concurrency: 2, to: 'merge' },
    (img: Image): Thumbnail => ({
      id: img.id,
      kind: 'thumbnail',
      thumb: img.pixels.filter((_v, i) => i % 16 === 0),
      pid: process.pid,
    }),
  );
  p.processor(
    'scan',
    { strategy: 'cow-fork', concurrency: 2, to: 'merge' },
    (img: Image): Scan => ({
      id: img.id,
      kind: 'scan',
      brightness: Math.round(img.pixels.reduce((a, b) => a + b, 0) / img.pixels.length),
      pid: process.pid,
    }),
  );
  p.stage('merge', { from: ['thumbnail', 'scan'] }, async (input: AsyncIterable<Thumbnail | Scan>, out) => {
    const waiting = new Map<number, Thumbnail | Scan>();
    for await (const half of input) {
      const other = waiting.get(half.id);
      if (other === undefined) {
        waiting.set(half.id, half);
        continue;
      }
      waiting.delete(half.id);
      const [t, s] = (half.kind === 'thumbnail' ? [half, other] : [other, half]) as [Thumbnail, Scan];
      await out.emit({ id: half.id, thumb: t.thumb, brightness: s.brightness, thumbnailPid: t.pid, scanPid: s.pid, mergedIn: process.pid } satisfies Entry);
    }
  });
  p.consumer('catalog', (e: Entry, _out, ctx) => {
    ctx.collect('entries', e);
  });
});

if (isMain(import.meta)) {
  const result = await forkFanOutFanIn.run();
  const entries = ((result.collected.entries ?? []) as Entry[]).sort((a, b) => a.id - b.id);
  for (const e of entries)
    console.log(`59 image ${e.id}: thumbnail [${e.thumb.join(',')}] by child ${e.thumbnailPid}, brightness ${e.brightness} by child ${e.scanPid}`);
  const thumbnailPids = distinct(entries.map((e) => e.thumbnailPid));
  const scanPids = distinct(entries.map((e) => e.scanPid));
  expect(result.status === 'completed', `the run completed (status ${result.status})`);
  expect(entries.map((e) => e.id).join() === span(1, IMAGES).join(), `each of the ${IMAGES} images was merged exactly once, from both halves`);
  expect(thumbnailPids.length <= 2 && !thumbnailPids.includes(process.pid), `thumbnails came from at most 2 persistent children (${thumbnailPids.join(', ')})`);
  expect(scanPids.length === IMAGES && !scanPids.includes(process.pid), `scans came from a fresh child per image (${scanPids.join(', ')})`);
  expect(!scanPids.some((pid) => thumbnailPids.includes(pid)), 'the two branches ran in different processes');
  expect(
    entries.every((e) => e.mergedIn === process.pid),
    'the halves were joined in the parent',
  );
  done('59-fork-fan-out-fan-in');
}

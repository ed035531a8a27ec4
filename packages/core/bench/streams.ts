/** Building blocks of the `node:stream` and async-generator baselines, shared by the workloads. */
import { Readable, Transform, Writable } from 'node:stream';

/**
 * The fast way to write an object-mode source: `_read` pushes in a loop while `push` returns true (the
 * buffer is below highWaterMark), then returns until the stream asks again.
 */
export class CountingSource extends Readable {
  private i = 1;

  constructor(private readonly n: number) {
    super({ objectMode: true });
  }

  override _read(): void {
    const n = this.n;
    while (this.i <= n) {
      if (!this.push(this.i++)) return;
    }
    this.push(null);
  }
}

/** 1..n from a sync generator (for `Readable.from` and the producers). */
export function* count(n: number): Generator<number> {
  for (let i = 1; i <= n; i++) yield i;
}

/** 1..n from an async generator (head of the async-generator chains). */
export async function* countAsync(n: number): AsyncGenerator<number> {
  for (let i = 1; i <= n; i++) yield i;
}

/** An object-mode Transform applying a synchronous function. */
export function mapTransform<I, O>(f: (x: I) => O): Transform {
  return new Transform({
    objectMode: true,
    transform(chunk: I, _enc, cb) {
      cb(null, f(chunk));
    },
  });
}

/** An object-mode Transform applying an async function (one chunk at a time, like a Transform does). */
export function asyncMapTransform<I, O>(f: (x: I) => Promise<O>): Transform {
  return new Transform({
    objectMode: true,
    transform(chunk: I, _enc, cb) {
      f(chunk).then((v) => cb(null, v), cb);
    },
  });
}

/** Groups chunks into arrays of `size`; the remainder is pushed at the end. */
export function batchTransform<T>(size: number): Transform {
  let buf: T[] = [];
  return new Transform({
    objectMode: true,
    transform(chunk: T, _enc, cb) {
      buf.push(chunk);
      if (buf.length >= size) {
        const full = buf;
        buf = [];
        cb(null, full);
      } else cb();
    },
    flush(cb) {
      if (buf.length > 0) this.push(buf);
      buf = [];
      cb();
    },
  });
}

/** An object-mode Writable handing each chunk to `f`. */
export function sinkWritable<T>(f: (x: T) => void): Writable {
  return new Writable({
    objectMode: true,
    write(chunk: T, _enc, cb) {
      f(chunk);
      cb();
    },
  });
}

/** An object-mode Writable handing each chunk to an async `f`. */
export function asyncSinkWritable<T>(f: (x: T) => Promise<void>): Writable {
  return new Writable({
    objectMode: true,
    write(chunk: T, _enc, cb) {
      f(chunk).then(() => cb(), cb);
    },
  });
}

export async function* mapAsyncGen<I, O>(source: AsyncIterable<I>, f: (x: I) => O): AsyncGenerator<O> {
  for await (const x of source) yield f(x);
}

export async function* awaitMapAsyncGen<I, O>(source: AsyncIterable<I>, f: (x: I) => Promise<O>): AsyncGenerator<O> {
  for await (const x of source) yield await f(x);
}

export async function* batchAsyncGen<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let buf: T[] = [];
  for await (const x of source) {
    buf.push(x);
    if (buf.length >= size) {
      yield buf;
      buf = [];
    }
  }
  if (buf.length > 0) yield buf;
}

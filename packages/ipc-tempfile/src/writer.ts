/**
 * The worker half of the tempfile transport, imported by every worker of a stage that uses it
 * (`Transport.workerModule`). It writes each attempt's emissions as framed records and answers with refs
 * (file and byte range) that the parent reads back.
 *
 * Private files (default): each group of attempts (one chunk of inputs) gets a file of its own, written by
 * this worker alone, so no lock is needed; an attempt that fails is cut off again (ftruncate) and the file
 * is removed by the parent once every ref into it was read. Shared file (`shared: true`): every worker of
 * the stage appends to one file; appends are serialised by proper-lockfile, one lock per batch of records.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, unlinkSync, writevSync } from 'node:fs';
import { basename, join } from 'node:path';
import { currentThreadId } from '@minigun/core/toolkit';
import {
  ErrorCodes,
  MinigunError,
  type CreateTransportWriter,
  type Emission,
  type TransportAttemptWriter,
  type TransportWriteGroup,
  type TransportWriter,
} from '@minigun/core';
import type { LockOptions } from 'proper-lockfile';
import { holdFileSizeSignal, releaseFileSizeSignal } from './file-size-signal.js';
import { approxSize, encodeRecords } from './frame.js';
import { findNonJson } from './jsonable.js';
import { lockOptions } from './lock.js';
import type { SessionConfig } from './options.js';
import { EMPTY_REF, formatRef, privateFileName, SHARED_FILE } from './ref.js';

interface Where {
  readonly pipeline: string;
  readonly stage: string;
  readonly workerId: number;
}

export const createTransportWriter: CreateTransportWriter = (config, where) => new TempfileWriter(config as SessionConfig, where);

class TempfileWriter implements TransportWriter {
  private sharedFd?: number;
  private files = 0;
  /** Whether this writer holds the SIGXFSZ listener (from its first lock of the shared file until it closes). */
  private holdsSignal = false;

  constructor(
    private readonly config: SessionConfig,
    private readonly where: Where,
  ) {}

  group(): TransportWriteGroup {
    return this.config.shared === undefined
      ? new PrivateGroup(this.config, this.where, () => this.createFile())
      : new SharedGroup(this.config, this.where, this);
  }

  /**
   * A new private file for one group: created exclusively (O_EXCL) with mode 0600, in the run directory
   * that the parent created with tmp (random name, mode 0700). Names inside it need not be unguessable (no
   * one else can enter it), only unique: worker, process and thread ids, then a sequence number; a name left
   * by a dead process whose pid was reused is skipped.
   */
  private createFile(): { fd: number; path: string } {
    for (;;) {
      const path = join(this.config.dir, privateFileName(this.where.workerId, process.pid, currentThreadId(), ++this.files));
      try {
        return { fd: openSync(path, 'wx', 0o600), path };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  async close(): Promise<void> {
    if (this.holdsSignal) releaseFileSizeSignal();
    this.holdsSignal = false;
    const fd = this.sharedFd;
    this.sharedFd = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  /** The shared file, open for appending (once per writer). */
  sharedFile(): number {
    const file = this.config.shared!.file;
    try {
      // O_APPEND: every write lands at the end, whoever wrote last.
      this.sharedFd ??= openSync(file, 'a');
    } catch (error) {
      throw writeError(error, file, this.where);
    }
    return this.sharedFd;
  }

  /** Takes the lock on the shared file; resolves with its release. */
  async lockShared(options: LockOptions): Promise<() => Promise<void>> {
    const lockfile = await properLockfile();
    // proper-lockfile is loaded now, and with it signal-exit's SIGXFSZ listener (see file-size-signal.ts).
    if (!this.holdsSignal) holdFileSizeSignal();
    this.holdsSignal = true;
    return lockfile.lock(this.config.shared!.file, options);
  }
}

/**
 * Gathers an attempt's records until about `batchBytes` (or 1024 records), then they are encoded together
 * as one frame. The records are the stage's own objects, held by reference until then: never more than the
 * channel would hold, which keeps a whole attempt's emissions.
 */
class Batch {
  private records: Emission[] = [];
  private size = 0;

  constructor(
    private readonly config: SessionConfig,
    private readonly where: Where,
  ) {}

  add(emission: Emission): void {
    if (this.config.format === 'json' && emission.kind !== 'total') {
      const value = emission.kind === 'emit' ? emission.item : emission.value;
      const bad = findNonJson(value);
      if (bad !== undefined) {
        const what = emission.kind === 'emit' ? 'an emitted item' : `the value collected under "${emission.key}"`;
        throw new MinigunError(
          ErrorCodes.UNCLONEABLE,
          `Stage "${this.where.stage}" of pipeline "${this.where.pipeline}" wrote ${what} that JSON records cannot carry: ${bad.path} is ${bad.what}. Use the transport's default 'v8' format, or convert the value.`,
          this.where,
        );
      }
    }
    this.records.push(emission);
    this.size += approxSize(emission);
  }

  get empty(): boolean {
    return this.records.length === 0;
  }

  get full(): boolean {
    return this.size >= this.config.batchBytes || this.records.length >= 1024;
  }

  /** The gathered records as one frame (header, payload); the batch starts over. */
  take(): Buffer[] {
    const frame = encodeRecords(this.records, this.config.format);
    this.drop();
    return frame;
  }

  drop(): void {
    this.records = [];
    this.size = 0;
  }
}

/** A file of this worker's own for one group of attempts: no lock, failed attempts cut off again. */
class PrivateGroup implements TransportWriteGroup {
  private fd?: number;
  private path?: string;
  private end = 0;
  private readonly ranges: Array<readonly [number, number]> = [];

  constructor(
    private readonly config: SessionConfig,
    private readonly where: Where,
    private readonly create: () => { fd: number; path: string },
  ) {}

  attempt(): TransportAttemptWriter {
    const start = this.end;
    const batch = new Batch(this.config, this.where);
    const flush = (): void => {
      if (!batch.empty) this.write(batch.take());
    };
    return {
      write: async (e) => {
        batch.add(e);
        if (batch.full) flush();
      },
      commit: async () => {
        flush();
        this.ranges.push([start, this.end]);
      },
      abort: async () => {
        batch.drop();
        if (this.end > start) {
          ftruncateSync(this.fd!, start);
          this.end = start;
        }
      },
    };
  }

  async finish(): Promise<string[]> {
    if (this.fd !== undefined) closeSync(this.fd);
    const used = this.ranges.filter(([s, e]) => e > s).length;
    if (used === 0 && this.path !== undefined) unlinkSync(this.path);
    const file = this.path === undefined ? '' : basename(this.path);
    return this.ranges.map(([s, e]) => (e > s ? formatRef({ f: file, s, e, n: used }) : EMPTY_REF));
  }

  private write(buffers: Buffer[]): void {
    try {
      if (this.fd === undefined) ({ fd: this.fd, path: this.path } = this.create());
      this.end += writeAll(this.fd, buffers, this.end);
    } catch (error) {
      throw writeError(error, this.path ?? this.config.dir, this.where);
    }
  }
}

/** Appends to the stage's one shared file, a lock per batch; a failed attempt's batches stay unread. */
class SharedGroup implements TransportWriteGroup {
  private readonly refs: string[] = [];

  constructor(
    private readonly config: SessionConfig,
    private readonly where: Where,
    private readonly writer: TempfileWriter,
  ) {}

  attempt(): TransportAttemptWriter {
    const batch = new Batch(this.config, this.where);
    const ranges: Array<[number, number]> = [];
    // Appends one after another, in the order of the writes: a stage need not await a write (ctx.collect()
    // does not), so one may still be waiting for the lock when the next comes, or when the attempt ends.
    // A failed append fails every later write and the commit: the attempt then fails as a whole.
    let appending: Promise<void> = Promise.resolve();
    const append = (frame: Buffer[]): Promise<void> => {
      appending = appending.then(async () => {
        ranges.push(await this.append(frame));
      });
      return appending;
    };
    return {
      write: async (e) => {
        batch.add(e);
        if (batch.full) await append(batch.take());
      },
      commit: async () => {
        // Every append of the attempt is on disk before its ref exists: a commit never leaves out a record.
        await (batch.empty ? appending : append(batch.take()));
        this.refs.push(ranges.length === 0 ? EMPTY_REF : formatRef({ f: SHARED_FILE, r: ranges }));
      },
      abort: async () => {
        batch.drop();
        // The attempt's records are never read, but its appends must be over (and their locks released)
        // before the next attempt appends, or before the worker exits while holding the lock. Their failure
        // was the attempt's, which is failing already.
        await appending.catch(() => undefined);
      },
    };
  }

  async finish(): Promise<string[]> {
    return this.refs;
  }

  private async append(buffers: Buffer[]): Promise<[number, number]> {
    const { file, staleMs } = this.config.shared!;
    const fd = this.writer.sharedFile();
    let compromised: Error | undefined;
    let release: () => Promise<void>;
    try {
      release = await this.writer.lockShared(lockOptions(staleMs, (error) => (compromised = error)));
    } catch (error) {
      throw new MinigunError(
        ErrorCodes.TRANSPORT,
        `Stage "${this.where.stage}" of pipeline "${this.where.pipeline}" could not lock ${file} to append its records: ${(error as Error).message}. Another writer held it for longer than the stale time (${staleMs} ms).`,
        { ...this.where, cause: error },
      );
    }
    try {
      const start = fstatSync(fd).size;
      const end = start + writeAll(fd, buffers);
      // Compromised while held: another writer may have appended too, so this range cannot be trusted.
      if (compromised !== undefined) {
        throw new MinigunError(
          ErrorCodes.TRANSPORT,
          `The lock on ${file} was lost while stage "${this.where.stage}" appended to it (${compromised.message}); the attempt fails and is retried.`,
          this.where,
        );
      }
      return [start, end];
    } catch (error) {
      throw error instanceof MinigunError ? error : writeError(error, file, this.where);
    } finally {
      // Not losing records: they are written, and their range was taken under the lock. A lock that could
      // not be released (its directory is gone, or it was compromised, which fails the attempt above) goes
      // stale and is taken over by the next writer after staleMs.
      await release().catch(() => undefined);
    }
  }
}

let lockfileModule: Promise<typeof import('proper-lockfile')> | undefined;

/** proper-lockfile, loaded only where a shared file is used (it installs signal-exit: see file-size-signal.ts). */
function properLockfile(): Promise<typeof import('proper-lockfile')> {
  lockfileModule ??= import('proper-lockfile').then((m) => (m as { default?: typeof import('proper-lockfile') }).default ?? m);
  return lockfileModule;
}

/** Writes every buffer (writev may write less than asked); returns the bytes written. */
function writeAll(fd: number, buffers: Buffer[], position?: number): number {
  let total = 0;
  let rest = buffers;
  while (rest.length > 0) {
    let n = writevSync(fd, rest, position === undefined ? undefined : position + total);
    total += n;
    let i = 0;
    while (i < rest.length && n >= rest[i]!.length) n -= rest[i++]!.length;
    rest = rest.slice(i);
    if (n > 0) rest[0] = rest[0]!.subarray(n);
  }
  return total;
}

function writeError(error: unknown, path: string, where: Where): MinigunError {
  const e = error as NodeJS.ErrnoException;
  const hint =
    e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.code === 'EFBIG'
      ? 'The disk, quota or file size limit is full: free space, or point tempfileTransport({ dir }) at a larger disk.'
      : e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS'
        ? 'The directory is not writable: fix its permissions, or point tempfileTransport({ dir }) elsewhere.'
        : e.code === 'ENOENT'
          ? "The run's directory is gone (the run ended, or something removed it)."
          : 'See the cause.';
  return new MinigunError(
    ErrorCodes.TRANSPORT,
    `Stage "${where.stage}" of pipeline "${where.pipeline}" could not write its records to ${path}: ${e.message ?? String(error)}. ${hint}`,
    {
      pipeline: where.pipeline,
      stage: where.stage,
      cause: error,
    },
  );
}

/**
 * The parent half of the tempfile transport: one private directory per stage and run (mode 0700, created
 * with tmp), the records read back as they are delivered, each private file removed once every ref into it
 * was read or discarded, and the whole directory removed when the run ends, however it ends.
 */
import { closeSync } from 'node:fs';
import { rm, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, MinigunError, type Emission, type StageInfo, type TransportSession } from '@minigun/core';
import tmp from 'tmp';
import { trackDir, untrackDir } from './cleanup.js';
import type { ResolvedOptions, SessionConfig } from './options.js';
import { openRecordFile, readRange } from './read.js';
import { parseRef, SHARED_FILE, type Ref } from './ref.js';

export class TempfileSession implements TransportSession {
  /** Private files: refs still to read or discard before the file can go. */
  private readonly remaining = new Map<string, number>();
  private readonly handles = new Map<string, Promise<FileHandle>>();
  private closed = false;

  private constructor(
    readonly config: SessionConfig,
    private readonly where: { pipeline: string; stage: string },
  ) {}

  static async open(options: ResolvedOptions, stage: StageInfo): Promise<TempfileSession> {
    const root = options.dir ?? tmpdir();
    const where = { pipeline: stage.pipeline, stage: stage.stage };
    let dir: string;
    try {
      dir = tmp.dirSync({ tmpdir: root, prefix: `minigun-${safe(stage.pipeline)}-${safe(stage.stage)}`, mode: 0o700, keep: true }).name;
    } catch (error) {
      throw new MinigunError(
        ErrorCodes.TRANSPORT,
        `The tempfile transport of stage "${stage.stage}" (pipeline "${stage.pipeline}") cannot create its directory in ${root}: ${(error as Error).message}. Make ${root} writable, or point tempfileTransport({ dir }) at a writable directory.`,
        { ...where, cause: error },
      );
    }
    trackDir(dir);
    let shared: SessionConfig['shared'];
    if (options.shared) {
      try {
        const file = tmp.fileSync({ tmpdir: dir, name: SHARED_FILE, mode: 0o600, keep: true });
        closeSync(file.fd);
        shared = { file: file.name, staleMs: options.staleMs };
      } catch (error) {
        // A directory that cannot be removed now stays tracked (the 'exit' cleanup tries again): the error
        // to report is why the session could not open.
        if (
          await rm(dir, { recursive: true, force: true }).then(
            () => true,
            () => false,
          )
        )
          untrackDir(dir);
        throw new MinigunError(
          ErrorCodes.TRANSPORT,
          `The tempfile transport of stage "${stage.stage}" cannot create its shared file in ${dir}: ${(error as Error).message}.`,
          { ...where, cause: error },
        );
      }
    }
    return new TempfileSession({ dir, format: options.format, batchBytes: options.batchBytes, shared }, where);
  }

  read(ref: string): AsyncIterable<Emission> {
    const parsed = this.parse(ref);
    if (parsed === undefined) return empty();
    const path = join(this.config.dir, parsed.f);
    const format = this.config.format;
    if ('r' in parsed) {
      const ranges = parsed.r;
      const handle = this.handle(parsed.f, path);
      return (async function* () {
        const fh = await handle;
        for (const [start, end] of ranges) yield* readRange(fh, path, { format, start, end, torn: 'throw' });
      })();
    }
    const release = (): Promise<void> => this.release(parsed.f, parsed.n);
    // One handle per file, shared by the refs into it (a group of attempts), closed with the last of them.
    const opened = this.handle(parsed.f, path);
    return (async function* () {
      try {
        yield* readRange(await opened, path, { format, start: parsed.s, end: parsed.e, torn: 'throw' });
      } finally {
        await release();
      }
    })();
  }

  async discard(ref: string): Promise<void> {
    const parsed = this.parse(ref);
    if (parsed !== undefined && !('r' in parsed)) await this.release(parsed.f, parsed.n);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const handles = [...this.handles.values()];
    this.handles.clear();
    // The directory is removed even if a handle fails to close; the first failure is reported.
    const closing = await Promise.allSettled(handles.map(async (h) => (await whenOpen(h))?.close()));
    // If this throws, the directory stays tracked and the 'exit' cleanup tries again.
    await rm(this.config.dir, { recursive: true, force: true });
    untrackDir(this.config.dir);
    const failed = closing.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  private parse(ref: string): Ref | undefined {
    return parseRef(ref, this.config.shared === undefined ? 'private' : 'shared', this.where);
  }

  /** The open handle of a record file (the shared file's stays open until the session closes). */
  private handle(file: string, path: string): Promise<FileHandle> {
    let handle = this.handles.get(file);
    if (handle === undefined) {
      handle = openRecordFile(path);
      // Handled here only so that a failed open is not an unhandled rejection while no reader awaits it:
      // every reader of the file awaits this promise and fails with the error.
      handle.catch(() => undefined);
      this.handles.set(file, handle);
    }
    return handle;
  }

  private async release(file: string, refs: number): Promise<void> {
    const left = (this.remaining.get(file) ?? refs) - 1;
    if (left > 0) {
      this.remaining.set(file, left);
      return;
    }
    this.remaining.delete(file);
    const handle = this.handles.get(file);
    this.handles.delete(file);
    if (handle !== undefined) await (await whenOpen(handle))?.close();
    if (this.closed) return;
    // A file that cannot be removed now (already gone, say) is removed with the whole directory when the
    // session closes, which reports its own failure: it must not fail the read of records already delivered.
    await unlink(join(this.config.dir, file)).catch(() => undefined);
  }
}

async function* empty(): AsyncGenerator<Emission> {}

/** The handle, or undefined when opening the file failed: that error went to the readers that awaited it. */
async function whenOpen(handle: Promise<FileHandle>): Promise<FileHandle | undefined> {
  return handle.catch(() => undefined);
}

/** A stage name as a file-name fragment. */
function safe(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').slice(0, 40);
}

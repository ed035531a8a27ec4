import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, MinigunError, pipeline } from '@minigun/core';
import { importPipelineModule, markMinigunWorker } from '@minigun/core/toolkit';
import { findPipeline, findStage } from '../../src/toolkit/locate.js';

const etl = pipeline('etl', (p) => {
  p.producer('read', async () => undefined);
  p.pipeline('clean', (c) => {
    c.processor('trim', (s: string) => s.trim());
  });
  p.consumer('write', () => undefined);
});
const audited = etl.extend('etl-audited', (p) => {
  p.consumer('audit', { from: 'read' }, () => undefined);
});
const report = pipeline('report', (p) => {
  p.consumer('print', () => undefined);
});

/** Catches what `fn` throws or rejects with. */
async function caught(fn: () => unknown): Promise<MinigunError> {
  try {
    await fn();
  } catch (error) {
    return error as MinigunError;
  }
  throw new Error('expected an error');
}

describe('findPipeline', () => {
  it('finds an exported pipeline by name, extended ones and those in re-exported namespaces too', () => {
    const exports = { etl, audited, helpers: { report }, other: 42, nothing: null };
    expect(findPipeline(exports, 'etl', 'app.mjs')).toBe(etl);
    expect(findPipeline(exports, 'etl-audited', 'app.mjs')).toBe(audited);
    expect(findPipeline(exports, 'report', 'app.mjs')).toBe(report);
  });

  it('says which pipelines the module does export when the name is not among them, and what to do', async () => {
    const error = await caught(() => findPipeline({ etl, audited }, 'etl-v2', '/srv/app/pipelines.mjs'));
    expect(error).toBeInstanceOf(MinigunError);
    expect(error.code).toBe(ErrorCodes.WORKER_SETUP);
    expect(error.pipeline).toBe('etl-v2');
    expect(error.message).toContain('/srv/app/pipelines.mjs');
    expect(error.message).toContain('no exported pipeline named "etl-v2"');
    expect(error.message).toContain('(exported pipelines: "etl", "etl-audited")');
    expect(error.message).toContain('Export the pipeline from the module given as options.module');
  });

  it('says "(none)" for a module that exports no pipeline, and does not search deeper than one namespace', async () => {
    expect((await caught(() => findPipeline({ value: 1 }, 'etl', 'm.mjs'))).message).toContain('(exported pipelines: (none))');
    const deep = await caught(() => findPipeline({ a: { b: { report } } }, 'report', 'm.mjs'));
    expect(deep.code).toBe(ErrorCodes.WORKER_SETUP);
  });
});

describe('findStage', () => {
  it('finds a stage by its full name, nested and inherited stages included', () => {
    expect(findStage(etl, 'read').name).toBe('read');
    expect(findStage(etl, 'clean/trim').name).toBe('clean/trim');
    expect(findStage(audited, 'audit').kind).toBe('consumer');
  });

  it('names the pipeline, the missing stage and the stages it has', async () => {
    const error = await caught(() => findStage(etl, 'trim'));
    expect(error).toBeInstanceOf(MinigunError);
    expect(error.code).toBe(ErrorCodes.WORKER_SETUP);
    expect(error.pipeline).toBe('etl');
    expect(error.stage).toBe('trim');
    expect(error.message).toContain('Pipeline "etl" in the worker has no stage "trim"');
    expect(error.message).toContain('"read"');
    expect(error.message).toContain('"clean/trim"');
    expect(error.message).toContain('"write"');
  });
});

describe('importPipelineModule', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'minigun-locate-'));
    writeFileSync(join(dir, 'ok.mjs'), 'export const answer = 42;\n');
    writeFileSync(join(dir, 'throws.mjs'), "export const x = 1;\nthrow new Error('config file /etc/app.json is missing');\n");
    writeFileSync(
      join(dir, 'runs.mjs'),
      "import { pipeline } from '@minigun/core';\nawait pipeline('accidental', (p) => p.consumer('c', () => undefined)).run();\n",
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => void delete (globalThis as Record<symbol, unknown>)[Symbol.for('minigun.worker')]);

  it('imports a module by path or by file URL', async () => {
    expect((await importPipelineModule(join(dir, 'ok.mjs'))).answer).toBe(42);
    expect((await importPipelineModule(pathToFileURL(join(dir, 'ok.mjs')).href)).answer).toBe(42);
  });

  it('wraps an error thrown while the module loads: ERR_MINIGUN_WORKER_SETUP, the module URL, the original message and cause', async () => {
    const error = await caught(() => importPipelineModule(join(dir, 'throws.mjs')));
    expect(error).toBeInstanceOf(MinigunError);
    expect(error.code).toBe(ErrorCodes.WORKER_SETUP);
    expect(error.message).toContain(pathToFileURL(join(dir, 'throws.mjs')).href);
    expect(error.message).toContain('config file /etc/app.json is missing');
    expect((error.cause as Error).message).toBe('config file /etc/app.json is missing');
  });

  it('reports a module that does not exist with its path', async () => {
    const missing = join(dir, 'no-such-module.mjs');
    const error = await caught(() => importPipelineModule(missing));
    expect(error).toBeInstanceOf(MinigunError);
    expect(error.code).toBe(ErrorCodes.WORKER_SETUP);
    expect(error.message).toContain('could not import the pipeline module');
    expect(error.message).toContain('no-such-module.mjs');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('passes on, unwrapped, the error of a module that starts a run when a worker imports it', async () => {
    markMinigunWorker();
    const error = await caught(() => importPipelineModule(join(dir, 'runs.mjs')));
    expect(error.code).toBe(ErrorCodes.RUN_IN_WORKER);
    expect(error.message).toContain('"accidental"');
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { workerExecArgv } from '../src/loader-flags.js';

/** Starts a real worker thread with `execArgv`, runs `code` (CommonJS, `send` posts the answer) and returns its answer. */
function inWorker(execArgv: string[], code: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(`const send = (m) => require('node:worker_threads').parentPort.postMessage(m);\n${code}`, { eval: true, execArgv });
    worker.once('message', (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('workerExecArgv', () => {
  it('passes on the flags worker threads accept and need', () => {
    const flags = ['--enable-source-maps', '--no-warnings', '--no-deprecation', '--trace-warnings', '--experimental-vm-modules'];
    expect(workerExecArgv(flags)).toEqual(flags);
  });

  it('passes on export conditions in every spelling, with their values', () => {
    expect(workerExecArgv(['--conditions', 'dev'])).toEqual(['--conditions', 'dev']);
    expect(workerExecArgv(['--conditions=dev'])).toEqual(['--conditions=dev']);
    expect(workerExecArgv(['-C', 'dev'])).toEqual(['-C', 'dev']);
    expect(workerExecArgv(['-C', 'a', '--conditions=b', '--conditions', 'c'])).toEqual(['-C', 'a', '--conditions=b', '--conditions', 'c']);
  });

  it('drops per-process flags, unknown flags and their values', () => {
    expect(workerExecArgv(['--expose-gc', '--max-old-space-size=4096', '--inspect', '--title', 'app', '--frobnicate', '-r', './setup.cjs'])).toEqual([]);
  });

  it('drops ESM loader flags with their values (a worker registers tsx itself)', () => {
    expect(workerExecArgv(['--import', 'tsx'])).toEqual([]);
    expect(workerExecArgv(['--import=tsx', '--loader', 'ts-node/esm', '--experimental-loader=./hooks.mjs'])).toEqual([]);
    expect(workerExecArgv(['--import', 'tsx', '--conditions', 'dev', '--require', 'tsx/cjs', '--enable-source-maps'])).toEqual([
      '--conditions',
      'dev',
      '--enable-source-maps',
    ]);
  });

  it('reads process.execArgv by default', () => {
    expect(workerExecArgv()).toEqual(workerExecArgv(process.execArgv));
    expect(workerExecArgv().every((f) => process.execArgv.includes(f))).toBe(true);
  });

  it('gives flags a real worker thread accepts (the ones dropped make Node refuse the worker)', async () => {
    expect(() => new Worker('0', { eval: true, execArgv: ['--expose-gc'] })).toThrow(expect.objectContaining({ code: 'ERR_WORKER_INVALID_EXEC_ARGV' }));
    const parent = ['--expose-gc', '--import', 'tsx', '--enable-source-maps', '--no-deprecation', '-C', 'dev', '--conditions=test', '--trace-warnings'];
    const seen = await inWorker(workerExecArgv(parent), 'send(process.execArgv);');
    expect(seen).toEqual(['--enable-source-maps', '--no-deprecation', '-C', 'dev', '--conditions=test', '--trace-warnings']);
  });

  it('passes on only flags a worker thread accepts, --stack-trace-limit included', async () => {
    // A parent started as `node --stack-trace-limit=50 app.js`: the pool must still be able to start workers.
    const argv = workerExecArgv(['--stack-trace-limit=50', '--enable-source-maps']);
    await expect(inWorker(argv, 'send(process.execArgv);')).resolves.toEqual(expect.arrayContaining(['--enable-source-maps']));
  });

  describe('export conditions reach the worker', () => {
    const dir = mkdtempSync(join(tmpdir(), 'minigun-flags-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'node_modules/dual'), { recursive: true });
    writeFileSync(
      join(dir, 'node_modules/dual/package.json'),
      JSON.stringify({ name: 'dual', exports: { '.': { 'minigun-test': './test.js', default: './default.js' } } }),
    );
    writeFileSync(join(dir, 'node_modules/dual/test.js'), "module.exports = 'test build';\n");
    writeFileSync(join(dir, 'node_modules/dual/default.js'), "module.exports = 'default build';\n");
    const load = `send(require('node:module').createRequire(${JSON.stringify(join(dir, 'x.js'))})('dual'));`;

    it.each([[['--conditions', 'minigun-test']], [['--conditions=minigun-test']], [['-C', 'minigun-test']]])('%j', async (flags) => {
      expect(await inWorker(workerExecArgv(flags), load)).toBe('test build');
      expect(await inWorker(workerExecArgv([]), load)).toBe('default build');
    });
  });
});

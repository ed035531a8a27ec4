/** Helpers of the ipc-tempfile tests (not a test file); the generic ones come from @minigun/test-utils. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '@minigun/core';
import { tempfilePlugin, type TempfileOptions } from '@minigun/ipc-tempfile';
import { forkStrategies } from '@minigun/strategy-fork';
import { threadStrategies } from '@minigun/strategy-thread';
import { expect } from 'vitest';

export { codeOf, itemErrors, range, sleep, sorted, waitFor } from '@minigun/test-utils';

const roots: string[] = [];

/** A fresh directory for the transport's run directories (`options.dir`); `expectNothingLeft` checks it. */
export function root(): string {
  const dir = mkdtempSync(join(tmpdir(), 'minigun-tempfile-test-'));
  roots.push(dir);
  return dir;
}

const scratches: string[] = [];
/** A fresh directory for a test's own files, removed after the test. */
export function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'minigun-tempfile-scratch-'));
  scratches.push(dir);
  return dir;
}

/** After each test: the transport left no directory, file or lock behind. */
export function expectNothingLeft(): void {
  for (const dir of scratches.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const dir of roots.splice(0)) {
    const left = readdirSync(dir);
    rmSync(dir, { recursive: true, force: true });
    expect(left, `left behind in ${dir}`).toEqual([]);
  }
}

export const registry = (options: TempfileOptions = {}): Registry => new Registry().use(forkStrategies()).use(threadStrategies()).use(tempfilePlugin(options));

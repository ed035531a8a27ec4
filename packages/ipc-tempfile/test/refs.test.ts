/**
 * Refs cross from the workers to the parent, which opens, reads and removes the file a ref names: a ref that
 * no worker half writes — a name outside the run's files, `.` or `..`, an empty range, a ref of the other
 * layout — is refused by the session (the parent half of core's transport contract), and nothing is touched.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, type StageInfo, type TransportSession } from '@minigun/core';
import { tempfileTransport } from '@minigun/ipc-tempfile';
import { expectNothingLeft, root } from './util';

afterEach(expectNothingLeft);

const stage: StageInfo = { pipeline: 'refs', stage: 'work', kind: 'processor', options: {} as StageInfo['options'] };

/** Reads `ref` to the end; a refusal may come when read() is called or while iterating. */
async function drain(session: TransportSession, ref: string): Promise<number> {
  let n = 0;
  for await (const _ of session.read(ref)) n++;
  return n;
}

const PRIVATE_FORGED = [
  '{"f":".","s":0,"e":10,"n":1}',
  '{"f":"..","s":0,"e":10,"n":1}',
  '{"f":"../victim.rec","s":0,"e":10,"n":1}',
  '{"f":"victim.rec","s":0,"e":10,"n":1}',
  '{"f":"w1-2-3-4.rec.lock","s":0,"e":10,"n":1}',
  '{"f":"w1-2-3-0.rec","s":0,"e":10,"n":1}',
  '{"f":"w1-2-3-4.rec","s":10,"e":10,"n":1}',
  '{"f":"w1-2-3-4.rec","s":10,"e":5,"n":1}',
  '{"f":"w1-2-3-4.rec","s":0,"e":10,"n":0}',
  '{"f":"w1-2-3-4.rec","s":0,"e":10,"n":1,"x":1}',
  '{"f":"shared.rec","r":[[0,10]]}',
  '{"s":0,"e":10,"n":1}',
  '{"x":1}',
  '[]',
  'null',
  'w1-2-3-4.rec',
];

const SHARED_FORGED = [
  '{"f":".","r":[[0,10]]}',
  '{"f":"..","r":[[0,10]]}',
  '{"f":"shared.rec.lock","r":[[0,10]]}',
  '{"f":"victim.rec","r":[[0,10]]}',
  '{"f":"shared.rec","r":[]}',
  '{"f":"shared.rec","r":[[5,5]]}',
  '{"f":"shared.rec","r":[[0,10,20]]}',
  '{"f":"w1-2-3-4.rec","s":0,"e":10,"n":1}',
];

describe.each([
  ['private', { shared: false }, PRIVATE_FORGED, []],
  ['shared', { shared: true }, SHARED_FORGED, ['shared.rec']],
] as const)('a session (%s layout) given a ref its workers do not write', (_, options, forged, own) => {
  it.each(forged)('refuses %s on read and on discard, naming the stage, and touches nothing', async (ref) => {
    const dir = root();
    // A file beside the run directory, and one inside it, that a forged ref could reach.
    writeFileSync(join(dir, 'victim.rec'), 'x'.repeat(100));
    const session = await tempfileTransport({ dir, ...options }).open(stage);
    const runDir = (session.config as { dir: string }).dir;
    writeFileSync(join(runDir, 'victim.rec'), 'x'.repeat(100));
    mkdirSync(join(runDir, 'sub'));
    const refused = { code: ErrorCodes.TRANSPORT, message: expect.stringMatching(/stage "work" \(pipeline "refs"\) got a ref that its workers do not write/) };
    try {
      await expect(drain(session, ref)).rejects.toMatchObject(refused);
      await expect(session.discard(ref)).rejects.toMatchObject(refused);
      expect(readdirSync(dir).sort()).toEqual([basename(runDir), 'victim.rec'].sort());
      expect(readdirSync(runDir).sort()).toEqual([...own, 'sub', 'victim.rec'].sort());
    } finally {
      await session.close();
    }
    // The session removed its own directory and nothing else; expectNothingLeft then checks `dir` is empty.
    expect(readdirSync(dir)).toEqual(['victim.rec']);
    rmSync(join(dir, 'victim.rec'));
  });

  it('takes the empty ref {} as an attempt without records', async () => {
    const session = await tempfileTransport({ dir: root(), ...options }).open(stage);
    try {
      expect(await drain(session, '{}')).toBe(0);
      await session.discard('{}');
    } finally {
      await session.close();
    }
  });
});

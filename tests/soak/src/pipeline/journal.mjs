// The attempt journal: one file per attempt of an isolated stage, created by the attempt itself before it does
// anything else and completed with how it ended. A file outlives a killed process (its bytes are in the page
// cache once write() returned), so after a round the harness knows every attempt that started, where it ran
// (pid, threadId) and whether it returned, threw or exited: what it needs to tell a delivered result from
// the output of an attempt that failed. The file name numbers the attempts of an input across processes:
// an attempt takes the first free `<stage>.<key>.<n>` (created with O_EXCL). Nothing is held open between
// the two writes: a worker thread that exits would otherwise leave its descriptor in the process.
import { appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

/** Opens the journal entry of a new attempt of `key` at `stage`; returns its number (0 for the first attempt). */
export function beginAttempt(dir, stage, key, threadId) {
  for (let n = 0; ; n++) {
    const path = join(dir, `${stage}.${key}.${n}`);
    try {
      writeFileSync(path, `${process.pid} ${threadId}\n`, { flag: 'wx' });
      return { n, path };
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
  }
}

/** Records how an attempt ended: 'returned', 'threw' or 'exit' (the attempt ends its own thread or process). */
export function endAttempt(attempt, outcome) {
  appendFileSync(attempt.path, `${outcome}\n`);
}

/** Every attempt in the journal. An attempt killed before it wrote anything has pid 0; one killed before it ended has no outcome. */
export function readJournal(dir) {
  return readdirSync(dir).map((name) => {
    const [stage, key, n] = name.split('.');
    const [head = '', outcome] = readFileSync(join(dir, name), 'utf8').split('\n');
    const [pid = '0', threadId = '0'] = head.split(' ');
    return { stage, key: Number(key), n: Number(n), pid: Number(pid), threadId: Number(threadId), ...(outcome ? { outcome } : {}) };
  });
}

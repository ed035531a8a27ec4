/**
 * This process's live child processes, from /proc (Linux): the HUD lists them so that the children of fork
 * strategies show up even when a strategy does not report its workers. Elsewhere, or when /proc cannot be
 * read, the list is empty.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';

export interface ChildProcessInfo {
  readonly pid: number;
  /** The program and its first script argument, e.g. `node child.js`. */
  readonly command: string;
}

export function childProcesses(ppid = process.pid): ChildProcessInfo[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    // No /proc (not Linux) or not readable: the HUD then lists the strategies' own workers only.
    return [];
  }
  const out: ChildProcessInfo[] = [];
  for (const entry of entries) {
    if (entry.charCodeAt(0) > 57 || !/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[1]) !== ppid || rest[0] === 'Z') continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
        .split('\0')
        .filter((a) => a !== '');
      const script = argv.slice(1).find((a) => !a.startsWith('-'));
      out.push({ pid: Number(entry), command: [basename(argv[0] ?? '?'), script === undefined ? '' : basename(script)].join(' ').trim() });
    } catch {
      // The process exited between the listing and this read (ENOENT, ESRCH), or its files are not ours to
      // read: it is not listed. The list is what the HUD shows; a failure here must not stop the run's display.
    }
  }
  return out.sort((a, b) => a.pid - b.pid);
}

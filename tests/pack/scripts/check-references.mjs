// Fails on references a reader of this repository cannot follow: documents kept outside it (the product
// design, reference notes, a sibling `shared` folder), issue numbers of a private tracker, and remarks about
// when a figure was taken instead of how. The rule a reference stands for belongs in the repository itself:
// docs/ (docs/semantics.md, docs/architecture.md, docs/benchmarks.md) or the package READMEs.
// Scans every file git tracks or would track (untracked files that are not ignored count too), except
// node_modules, dist, lockfiles, binary files and this script, whose pattern list would match itself.
// Prints file:line, the rule broken and what to write instead; exits 1 when anything was found.
// MINIGUN_WORKSPACE_ROOT points it at another folder (its own test does).
/* global console, process */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { root } from './workspace.mjs';

/** @typedef {{ rule: string, pattern: RegExp, instead: string }} Rule */

/** @type {Rule[]} */
const RULES = [
  {
    rule: 'cites the product design document, which is not in the repository',
    pattern: /\bDESIGN(?:\.md)?\b(?:'s)?\s*(?:sections?\s*\d|§|\d)|\bDESIGN\.md\b/,
    instead: 'state the rule itself, or link the page of docs/ that states it',
  },
  {
    rule: 'cites a numbered section (§) of a document outside the repository',
    pattern: /§\s*\d/,
    instead: 'state the rule itself, or link the page of docs/ that states it',
  },
  {
    rule: 'cites an issue of a tracker a reader cannot open',
    pattern: /\bissues?\s+#?\d+\b|\b(?:the|this|that|our|a later|an earlier|the next|the previous) issue(?:'s)?\b(?!\s+tracker)/i,
    instead: 'state the requirement and its reason; a public upstream issue may be linked by URL or owner/repo#N',
  },
  {
    rule: 'points into a folder outside the repository',
    pattern: /(?:\.\.\/)+shared\b|\/work\/shared\b|\bshared\/reference\//,
    instead: 'move what the reader needs into docs/, or state it where it is used',
  },
  {
    rule: 'cites reference notes that are not in the repository',
    // Any notes file kept beside the repository (`<topic>-notes.md`), and the fork/IPC notes by their stem.
    pattern: /[\w-]+-ipc-notes|\b[\w-]+-notes\.md\b/,
    instead: 'state what the notes said that matters here, or link the public project they describe',
  },
  {
    rule: 'says when a figure was taken instead of how',
    pattern: /\b(?:this|last|previous|earlier) session\b/i,
    instead: 'say how it is measured: the command, its options, the machine and its load',
  },
];

const SKIPPED_DIRS = /(?:^|\/)(?:node_modules|dist|\.git|\.nx|coverage)\//;
const LOCKFILES = /(?:^|\/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml)$/;
const SELF = fileURLToPath(import.meta.url);

/** Files git tracks under `dir`, plus untracked ones it does not ignore, relative to `dir`. */
function listFiles(/** @type {string} */ dir) {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return [...new Set(out.split('\0').filter((f) => f !== ''))].sort();
}

/**
 * The references found under `dir`: `file:line: rule ("match"): what to write instead`, then the line.
 * @param {string} dir
 * @returns {string[]}
 */
function findReferences(dir) {
  /** @type {string[]} */
  const problems = [];
  for (const rel of listFiles(dir)) {
    if (SKIPPED_DIRS.test(rel) || LOCKFILES.test(rel)) continue;
    const file = join(dir, rel);
    if (file === SELF || !existsSync(file) || !statSync(file).isFile()) continue;
    const text = readFileSync(file, 'utf8');
    if (text.includes('\0')) continue; // binary
    const lines = text.split(/\r?\n/);
    lines.forEach((line, i) => {
      for (const { rule, pattern, instead } of RULES) {
        const m = pattern.exec(line);
        if (m !== null) problems.push(`${rel}:${i + 1}: ${rule} ("${m[0]}"): ${instead}.\n    ${line.trim().slice(0, 200)}`);
      }
    });
  }
  return problems;
}

const problems = findReferences(root);
if (problems.length > 0) {
  console.error(`check-references: ${problems.length} reference(s) a reader of this repository cannot follow (in ${relative(process.cwd(), root) || '.'}):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log('check-references: no references to documents outside the repository.');

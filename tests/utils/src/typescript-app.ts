/**
 * A small TypeScript app in a temporary directory, run as `node --import tsx main.ts`: its pipeline module
 * imports a sibling .ts file, a workspace-style package whose entry is TypeScript (`ts-lib`, linked into
 * node_modules) and reads a file next to it through import.meta.url. Every stage of `strategies` reports
 * what its worker sees (is a TypeScript loader registered? its execArgv, the file it read) and a last
 * stage throws, so the test can read the stack trace. Used by the strategy packages' tests.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './index.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

export interface TypeScriptAppOptions {
  /** Strategy names: one probing stage each, in order. */
  readonly strategies: readonly string[];
  /** The import line and the expression that adds the strategies to a Registry (`new Registry().use(<use>)`). */
  readonly registryImport: string;
  readonly use: string;
}

export interface TypeScriptApp {
  readonly dir: string;
  readonly main: string;
  /** The line of main.ts whose `throw` the last stage runs. */
  readonly throwLine: number;
}

export interface Probe {
  readonly stage: string;
  readonly tsLoader: boolean;
  readonly execArgv: string[];
  readonly nodeOptions: string;
  readonly data: string;
  readonly sourceMaps: boolean;
}

export interface AppRun {
  readonly status: string;
  readonly out: string[];
  readonly probes: Probe[];
  readonly errors: Array<{ stage?: string; message: string; stack?: string }>;
}

export function typescriptApp(options: TypeScriptAppOptions): TypeScriptApp {
  const dir = tempDir('minigun-ts-app-');
  mkdirSync(join(dir, 'node_modules', '@minigun'), { recursive: true });
  for (const pkg of ['core', 'hooks', 'strategy-thread', 'strategy-fork']) symlinkSync(join(repo, 'packages', pkg), join(dir, 'node_modules', '@minigun', pkg));
  mkdirSync(join(dir, 'ts-lib', 'src'), { recursive: true });
  writeFileSync(join(dir, 'ts-lib', 'package.json'), JSON.stringify({ name: 'ts-lib', type: 'module', exports: './src/index.ts' }));
  writeFileSync(join(dir, 'ts-lib', 'src', 'index.ts'), 'export const label = (n: number): string => `#${n}`;\n');
  symlinkSync(join(dir, 'ts-lib'), join(dir, 'node_modules', 'ts-lib'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'ts-app', type: 'module' }));
  writeFileSync(join(dir, 'data.txt'), 'next to main.ts\n');
  writeFileSync(join(dir, 'helper.ts'), 'export function double(n: number): number {\n  return n * 2;\n}\n');
  const stages = options.strategies
    .map(
      (s, i) =>
        `  p.processor('probe-${i}', { strategy: '${s}', concurrency: 2 }, (n: number, _out, ctx) => {\n    ctx.collect('probe', probe('${s}'));\n    return n;\n  });`,
    )
    .join('\n');
  const lines = [
    "import Module from 'node:module';",
    "import { readFileSync } from 'node:fs';",
    "import { Registry, isMain, pipeline } from '@minigun/core';",
    options.registryImport,
    "import { label } from 'ts-lib';",
    "import { double } from './helper.ts';",
    '',
    'interface Extensions { _extensions: Record<string, unknown> }',
    'const probe = (stage: string) => ({',
    '  stage,',
    "  tsLoader: (Module as unknown as Extensions)._extensions['.ts'] !== undefined,",
    '  execArgv: process.execArgv,',
    "  nodeOptions: process.env.NODE_OPTIONS ?? '',",
    "  data: readFileSync(new URL('./data.txt', import.meta.url), 'utf8').trim(),",
    '  sourceMaps: (process as unknown as { sourceMapsEnabled?: boolean }).sourceMapsEnabled === true,',
    '});',
    '',
    "export const app = pipeline('ts-app', { module: import.meta.url }, (p) => {",
    "  p.producer('gen', () => [1, 2, 3]);",
    stages,
    `  p.processor('last', { strategy: '${options.strategies.at(-1)}' }, (n: number, _out, ctx) => {`,
    '    if (n === 3) {',
    "      const error = new Error('thrown in main.ts');",
    '      throw error;',
    '    }',
    "    ctx.collect('out', label(double(n)));",
    '  });',
    '});',
    '',
    'if (isMain(import.meta)) {',
    "  const runs = Number(process.argv[2] ?? '1');",
    `  const registry = new Registry().use(${options.use});`,
    '  for (let i = 0; i < runs; i++) {',
    '    const r = await app.run({ registry });',
    '    const errors = r.errors.map((e) => ({ stage: e.stage, message: e.message, stack: e.error.stack }));',
    '    console.log(JSON.stringify({ status: r.status, out: r.collected.out ?? [], probes: r.collected.probe ?? [], errors }));',
    '  }',
    '}',
    '',
  ];
  const text = lines.join('\n');
  const throwLine = text.split('\n').findIndex((l) => l.includes("new Error('thrown in main.ts')")) + 1;
  const main = join(dir, 'main.ts');
  writeFileSync(main, text);
  return { dir, main, throwLine };
}

export interface AppExit {
  readonly code: number | null;
  readonly stderr: string;
  readonly runs: AppRun[];
}

/** Runs `node --import tsx <main> <runs>` (tsx from this repository) and parses one JSON line per run. */
export function runTypeScriptApp(app: TypeScriptApp, runs: number, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<AppExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', app.main, String(runs)], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app.main} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const lines = stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'));
      resolve({ code, stderr, runs: lines.map((l) => JSON.parse(l) as AppRun) });
    });
  });
}

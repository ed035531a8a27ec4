import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Registry, pipeline, isMain } from '@minigun/core';
import { forkStrategies } from '@minigun/strategy-fork';
import { inc } from './fib.mjs';
export const seq = pipeline('probe-seq', { module: import.meta.url }, (p) => {
  p.producer('gen', (_o, ctx) => Array.from({ length: ctx.state.n }, (_, i) => i));
  p.processor('w', { strategy: 'cow-fork', concurrency: 1 }, (n) => inc(n));
  p.consumer('sum', (x, _o, ctx) => { ctx.state.sum += x; });
});
if (isMain(import.meta)) {
  const childCpu = () => { const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' '); return (Number(f[13]) + Number(f[14])) * 10; };
  const n = 30;
  const rawOne = (x) => new Promise((res) => { const c = fork(new URL('./raw-child.mjs', import.meta.url).pathname, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }); c.on('close', () => res()); c.send(x); });
  const reg = new Registry().use(forkStrategies({ spares: 0 }));
  for (let r = 0; r < 3; r++) {
    let c0 = childCpu(), p0 = process.cpuUsage(), t0 = performance.now();
    for (let i = 0; i < n; i++) await rawOne(i);
    let p = process.cpuUsage(p0);
    console.log(`raw: child ${((childCpu() - c0) / n).toFixed(1)} ms cpu, parent ${((p.user + p.system) / 1000 / n).toFixed(1)} ms cpu, ${((performance.now() - t0) / n).toFixed(1)} ms wall per child`);
    c0 = childCpu(); p0 = process.cpuUsage(); t0 = performance.now();
    const state = { n, sum: 0 }; const res = await seq.run({ state, registry: reg }); if (res.status !== 'completed') throw new Error(res.status);
    p = process.cpuUsage(p0);
    console.log(`cow: child ${((childCpu() - c0) / n).toFixed(1)} ms cpu, parent ${((p.user + p.system) / 1000 / n).toFixed(1)} ms cpu, ${((performance.now() - t0) / n).toFixed(1)} ms wall per child`);
  }
}

// The spares workload without Minigun: the same inputs (wait `ms`, then n → n + 1), `lanes` at a time, each
// in a fresh raw child (raw-child.mjs), either forked when its input comes (`spares` 0) or taken from
// `spares` children forked ahead that have booted and wait for their one input. No module to import and no
// protocol: what spares can gain on this machine for children that cost nothing beyond Node's own start-up.
import { fork } from 'node:child_process';
import { URL, fileURLToPath } from 'node:url';

const RAW_CHILD = fileURLToPath(new URL('./raw-child.mjs', import.meta.url));

/**
 * @param {{ count: number, lanes: number, spares: number, ms: number, execArgv: string[], env: NodeJS.ProcessEnv }} o
 * @returns {Promise<number>} the sum of the replies, once every child has exited
 */
export async function rawSpares(o) {
  const start = () => {
    const child = fork(RAW_CHILD, o.spares > 0 ? ['ready'] : [], {
      execArgv: o.execArgv,
      env: o.env,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise((resolve) => child.once('close', resolve));
    const ready = o.spares > 0 ? new Promise((resolve) => child.once('message', resolve)) : Promise.resolve();
    return { child, exited, ready };
  };
  const pool = [];
  let next = 0;
  // Spares are kept only for inputs that are still to come (none started for nothing, as Minigun does).
  const refill = () => {
    while (pool.length < Math.min(o.spares, o.count - next)) pool.push(start());
  };
  refill();
  let sum = 0;
  // A lane goes on as soon as it has its reply (as Minigun's slots do); the exits are awaited at the end.
  const exits = [];
  await Promise.all(
    Array.from({ length: o.lanes }, async () => {
      while (next < o.count) {
        const n = next++;
        const spare = pool.shift() ?? start();
        refill();
        await spare.ready;
        const reply = new Promise((resolve) => spare.child.once('message', resolve));
        spare.child.send({ n, ms: o.ms });
        const value = await reply;
        sum += value;
        exits.push(spare.exited);
      }
    }),
  );
  await Promise.all(exits);
  return sum;
}

// The raw cow-fork baselines' child: `child_process.fork` of this tiny script, one message in, one reply
// out, then the child exits (disconnecting the IPC channel once the reply is flushed leaves nothing to
// keep the event loop alive). Plain JavaScript, no loader.
// The message is `n` (reply n + 1 at once) or `{ n, ms }` (wait ms on a timer, then reply n + 1). Started
// with the argument `ready`, the child first says 'ready' (a raw spare: the parent knows it has booted).
import process from 'node:process';
import { inc, sleepInc } from './fib.mjs';

process.once('message', async (m) => {
  const reply = typeof m === 'number' ? inc(m) : await sleepInc(m.n, m.ms);
  process.send(reply, () => process.disconnect());
});
if (process.argv[2] === 'ready') process.send('ready');

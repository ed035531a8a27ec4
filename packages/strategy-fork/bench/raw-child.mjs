// The raw cow-fork baseline's child: `child_process.fork` of this tiny script, one message in, one reply
// out, then the child exits (disconnecting the IPC channel once the reply is flushed leaves nothing to
// keep the event loop alive). Plain JavaScript, no loader.
import process from 'node:process';
import { inc } from './fib.mjs';

process.once('message', (n) => {
  process.send(inc(n), () => process.disconnect());
});

/** Side-effect entry: `import '@minigun/strategy-fork/register'` adds both strategies to defaultRegistry. */
import { defaultRegistry } from '@minigun/core';
import { forkStrategies } from './index.js';

defaultRegistry.use(forkStrategies());

/** Side-effect entry: `import '@minigun/strategy-thread/register'` adds both strategies to defaultRegistry. */
import { defaultRegistry } from '@minigun/core';
import { threadStrategies } from './index.js';

defaultRegistry.use(threadStrategies());

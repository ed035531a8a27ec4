/**
 * Side-effect entry: `import '@minigun/strategy-bullmq/register'` adds the `bullmq` strategy to
 * defaultRegistry, connected to MINIGUN_REDIS_URL (default redis://127.0.0.1:6379).
 */
import { defaultRegistry } from '@minigun/core';
import { bullmqStrategies } from './index.js';

defaultRegistry.use(bullmqStrategies());

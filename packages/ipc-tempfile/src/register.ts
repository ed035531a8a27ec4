/** Side-effect entry: `import '@minigun/ipc-tempfile/register'` adds the `tempfile` transport to defaultRegistry. */
import { defaultRegistry } from '@minigun/core';
import { tempfilePlugin } from './index.js';

defaultRegistry.use(tempfilePlugin());

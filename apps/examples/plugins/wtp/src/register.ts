/** Side-effect entry: adds the `wtp` strategy to @minigun/core's defaultRegistry (`import '…/register.js'`). */
import { defaultRegistry } from '@minigun/core';
import { wtpPlugin } from './index.js';

defaultRegistry.use(wtpPlugin());

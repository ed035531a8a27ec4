/**
 * minigun-strategy-wtp — a third-party-style strategy plugin for Minigun: `wtp` runs a stage in a pool of
 * `concurrency` worker threads made by node-worker-threads-pool (StaticPool), one input per task.
 * It uses only the public plugin API of @minigun/core and @minigun/core/toolkit.
 *
 *   import { Registry } from '@minigun/core';
 *   import { wtpPlugin } from './plugins/wtp/src/index.js';
 *   const registry = new Registry().use(wtpPlugin());
 *   // or: import './plugins/wtp/src/register.js';  (adds it to defaultRegistry)
 *   // or, from the shell: npx minigun run pipeline.ts --use ./plugins/wtp/src/index.ts
 */
import type { MinigunPlugin, Strategy } from '@minigun/core';
import { checkFactoryOptions, optionRules, rejectCustomStage } from '@minigun/core/toolkit';
import { WtpExecutor, type WtpExecutorOptions } from './executor.js';

export type WtpStrategyOptions = WtpExecutorOptions;

const limitMb = optionRules.number(0, Number.MAX_VALUE, true);
const RULES = { resourceLimits: optionRules.object({ maxOldGenerationSizeMb: limitMb, maxYoungGenerationSizeMb: limitMb, stackSizeMb: limitMb }) };

/** The `wtp` strategy. Its options are checked here, once (bad values fail now, not in the run). */
export function wtpStrategy(options: WtpStrategyOptions = {}): Strategy {
  checkFactoryOptions('wtpStrategy()', options, RULES);
  return {
    name: 'wtp',
    isolated: true,
    validate: (stage) => rejectCustomStage('wtp', stage),
    createExecutor: (host) => new WtpExecutor(host, options),
  };
}

/** The plugin, for `registry.use(wtpPlugin())` and `minigun run --use`. */
export function wtpPlugin(options: WtpStrategyOptions = {}): MinigunPlugin {
  return { name: 'minigun-strategy-wtp', strategies: [wtpStrategy(options)] };
}

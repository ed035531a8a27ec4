/**
 * Registry: where a run looks up strategies and transports by name. `defaultRegistry` is the one documented
 * global (side-effect `register` entries of strategy packages add to it); pass `run({ registry })` for an
 * isolated set.
 */
import { ErrorCodes, MinigunError, listNames } from '../errors.js';
import type { MinigunPlugin, Strategy, Transport } from './strategy.js';
import { inlineStrategy } from './inline.js';

/** Which package provides the strategies and transports of this project, for "install X" messages. */
const KNOWN_PACKAGES: Record<string, string> = {
  thread: '@minigun/strategy-thread',
  'thread-per-batch': '@minigun/strategy-thread',
  'cow-fork': '@minigun/strategy-fork',
  'ipc-fork': '@minigun/strategy-fork',
  tempfile: '@minigun/ipc-tempfile',
  bullmq: '@minigun/strategy-bullmq',
};

/** The name of the default transport of isolated strategies: the worker's own MessagePort / IPC channel. */
export const CHANNEL_TRANSPORT = 'channel';

export class Registry {
  private readonly strategyMap = new Map<string, Strategy>();
  private readonly transportMap = new Map<string, Transport>();
  private readonly pluginNames = new Set<string>();
  /** Which plugin registered each strategy/transport name: the same plugin may register again (dual ESM/CJS copies). */
  private readonly owners = new Map<string, string>();

  constructor() {
    this.strategyMap.set(inlineStrategy.name, inlineStrategy);
  }

  /**
   * Adds a plugin's strategies and transports. Using the same plugin (by name) again replaces its entries;
   * a name already registered by another plugin is an error.
   */
  use(plugin: MinigunPlugin): this {
    if (plugin === null || typeof plugin !== 'object' || typeof plugin.name !== 'string') {
      throw new MinigunError(ErrorCodes.INVALID_PLUGIN, 'registry.use() expects a plugin object { name, strategies?, transports? }.');
    }
    for (const s of plugin.strategies ?? []) {
      if (typeof s?.name !== 'string' || typeof s.createExecutor !== 'function' || typeof s.isolated !== 'boolean') {
        throw new MinigunError(ErrorCodes.INVALID_PLUGIN, `Plugin "${plugin.name}" has a malformed strategy: it needs name, isolated and createExecutor().`);
      }
      const existing = this.strategyMap.get(s.name);
      if (existing !== undefined && existing !== s && this.owners.get(`strategy:${s.name}`) !== plugin.name) {
        throw new MinigunError(
          ErrorCodes.INVALID_PLUGIN,
          `Plugin "${plugin.name}" registers strategy "${s.name}", which this registry already has from another plugin. Use a new Registry, or another name.`,
        );
      }
    }
    for (const t of plugin.transports ?? []) {
      if (typeof t?.name !== 'string' || typeof t.open !== 'function' || t.name === CHANNEL_TRANSPORT) {
        throw new MinigunError(
          ErrorCodes.INVALID_PLUGIN,
          `Plugin "${plugin.name}" has a malformed transport (it needs name and open(); "${CHANNEL_TRANSPORT}" is reserved).`,
        );
      }
      const existing = this.transportMap.get(t.name);
      if (existing !== undefined && existing !== t && this.owners.get(`transport:${t.name}`) !== plugin.name) {
        throw new MinigunError(
          ErrorCodes.INVALID_PLUGIN,
          `Plugin "${plugin.name}" registers transport "${t.name}", which this registry already has from another plugin.`,
        );
      }
    }
    for (const s of plugin.strategies ?? []) {
      this.strategyMap.set(s.name, s);
      this.owners.set(`strategy:${s.name}`, plugin.name);
    }
    for (const t of plugin.transports ?? []) {
      this.transportMap.set(t.name, t);
      this.owners.set(`transport:${t.name}`, plugin.name);
    }
    this.pluginNames.add(plugin.name);
    return this;
  }

  strategy(name: string): Strategy | undefined {
    return this.strategyMap.get(name);
  }

  transport(name: string): Transport | undefined {
    return this.transportMap.get(name);
  }

  hasTransport(name: string): boolean {
    return name === CHANNEL_TRANSPORT || this.transportMap.has(name);
  }

  /**
   * Ends what the registered strategies keep between runs (warm pools of `keepAlive`): idle workers now,
   * those of runs still in progress when those runs end. Resolves once the idle ones are gone. Runs after
   * it still work; the strategies then keep nothing.
   */
  async close(): Promise<void> {
    const strategies = new Set(this.strategyMap.values());
    const results = await Promise.allSettled([...strategies].map(async (s) => s.close?.()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  get strategies(): string[] {
    return [...this.strategyMap.keys()];
  }

  get transports(): string[] {
    return [CHANNEL_TRANSPORT, ...this.transportMap.keys()];
  }

  get plugins(): string[] {
    return [...this.pluginNames];
  }

  /** @internal The error for a missing strategy, naming the package to install when it is one of ours. */
  unknownStrategy(name: string, pipeline: string, stage: string): MinigunError {
    const pkg = KNOWN_PACKAGES[name];
    const fix =
      pkg !== undefined
        ? `Install ${pkg} and register it: import '${pkg}/register' (adds it to defaultRegistry), or registry.use(...) with its plugin.`
        : `Register a plugin that provides it with registry.use(plugin), or fix the name.`;
    return new MinigunError(
      ErrorCodes.UNKNOWN_STRATEGY,
      `Stage "${stage}" of pipeline "${pipeline}" uses strategy "${name}", which is not registered. ${fix} Registered strategies: ${listNames(this.strategies)}.`,
      { pipeline, stage },
    );
  }

  /** @internal */
  unknownTransport(name: string, pipeline: string, stage: string): MinigunError {
    const pkg = KNOWN_PACKAGES[name];
    const fix = pkg !== undefined ? `Install ${pkg} and register it (import '${pkg}/register').` : 'Register a plugin that provides it, or fix the name.';
    return new MinigunError(
      ErrorCodes.UNKNOWN_TRANSPORT,
      `Stage "${stage}" of pipeline "${pipeline}" uses transport "${name}", which is not registered. ${fix} Registered transports: ${listNames(this.transports)}.`,
      { pipeline, stage },
    );
  }
}

/** The registry runs use when none is given; `import '@minigun/strategy-x/register'` adds to it. */
export const defaultRegistry = new Registry();

/**
 * Where Redis is and how to reach it: a URL (`redis://`, `rediss://` for TLS) or ioredis options, turned
 * into ioredis clients. Also what may be shown of it (never a password) and the checks a run makes before
 * it starts: Redis answers, and it does not evict keys (an evicted job or outcome would be an input lost).
 */
import type { Redis, RedisOptions } from 'ioredis';
import { ioredis } from './libraries.js';
import { MinigunError, ErrorCodes } from '@minigun/core';

/** A Redis URL, or ioredis options (host, port, password, tls, …). */
export type RedisConnection = string | RedisOptions;

/** The connection as text for messages: the URL without its password. */
export function describeConnection(connection: RedisConnection): string {
  if (typeof connection === 'string') {
    try {
      const url = new URL(connection);
      if (url.password !== '') url.password = '***';
      return url.href;
    } catch {
      return '(an unparsable Redis URL)';
    }
  }
  const scheme = connection.tls !== undefined ? 'rediss' : 'redis';
  const user =
    connection.username !== undefined
      ? `${connection.username}${connection.password !== undefined ? ':***' : ''}@`
      : connection.password !== undefined
        ? ':***@'
        : '';
  return `${scheme}://${user}${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}/${connection.db ?? 0}`;
}

/** A new client. `blocking`: for BullMQ and blocking reads, which must retry forever (maxRetriesPerRequest null). */
export function createClient(connection: RedisConnection, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = { maxRetriesPerRequest: null, ...extra };
  return typeof connection === 'string' ? new ioredis.Redis(connection, options) : new ioredis.Redis({ ...connection, ...options });
}

export interface PreflightOptions {
  /** Give up connecting after this long (ms). */
  readonly timeoutMs: number;
  /** A `maxmemory-policy` other than `noeviction` is only warned about instead of refused. */
  readonly allowEviction: boolean;
  readonly where: { readonly pipeline: string; readonly stage: string };
}

/**
 * Connects once, without retrying, and checks the server: it must answer PING, and its `maxmemory-policy`
 * must be `noeviction` (a Redis that may not run CONFIG, as some managed services, gets a warning instead).
 */
export async function preflight(connection: RedisConnection, options: PreflightOptions): Promise<void> {
  const shown = describeConnection(connection);
  const client = createClient(connection, {
    lazyConnect: true,
    connectTimeout: options.timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined); // reported through the rejected connect below
  try {
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      throw new MinigunError(
        ErrorCodes.REDIS,
        `Stage "${options.where.stage}" of pipeline "${options.where.pipeline}" runs on the bullmq strategy, but Redis at ${shown} cannot be reached: ${(error as Error).message}. Start Redis (redis-server) or fix the connection given to bullmqStrategies({ connection }).`,
        { ...options.where, cause: error },
      );
    }
    let policy: string | undefined;
    try {
      const answer = (await client.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
      policy = answer[1];
    } catch {
      process.emitWarning(
        `Could not read maxmemory-policy of Redis at ${shown} (CONFIG GET is not allowed). Minigun needs maxmemory-policy noeviction: an evicted job is a lost input.`,
        { code: 'MINIGUN_BULLMQ_EVICTION' },
      );
      return;
    }
    if (policy === undefined || policy === 'noeviction') return;
    const message = `Redis at ${shown} has maxmemory-policy ${policy}: it may evict keys when memory runs short, and an evicted job or outcome is an input lost. Set maxmemory-policy noeviction (redis-server --maxmemory-policy noeviction, or in redis.conf)`;
    if (options.allowEviction) {
      process.emitWarning(`${message}.`, { code: 'MINIGUN_BULLMQ_EVICTION' });
      return;
    }
    throw new MinigunError(ErrorCodes.REDIS, `${message}, or pass bullmqStrategies({ allowEviction: true }) to run anyway with a warning.`, options.where);
  } finally {
    client.disconnect();
  }
}

/**
 * The few Lua scripts Minigun runs next to BullMQ's. Each is atomic, so a worker that finishes a job after
 * its run ended (the parent deleted the run's keys) cannot re-create a key of that run.
 */

/** KEYS: setup, list. ARGV: message. Appends to the run's inbox only while the run is live; same TTL as the setup. */
export const PUSH_IF_LIVE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1`;

/** KEYS: setup, counter. The next worker id of a live run (0 once it is over). */
export const INCR_IF_LIVE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = redis.call('INCR', KEYS[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return n`;

/** KEYS: heartbeats. ARGV: member, ttl ms. Marks a worker alive until Redis time + ttl. */
export const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** KEYS: heartbeats. How many workers are alive now (by Redis time: no clock skew between machines). */
export const LIVE_WORKERS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`;

/**
 * The Redis client settings the limits (and ledger) need: fail fast instead of queueing.
 * Measured with redis-server killed under load (test/unit/limits/redis-faults.test.ts):
 * - `enableOfflineQueue: false`: while disconnected, commands fail at once ("Stream isn't
 *   writeable") instead of waiting for a reconnect, so fail-open costs nothing per request.
 * - `maxRetriesPerRequest: 0`: a command in flight when the connection drops fails immediately
 *   instead of being re-sent after reconnect (a re-sent admit could double-take).
 * - `commandTimeout`: bounds a hung (not dead) server, e.g. SIGSTOP or a slow script.
 * - `retryStrategy`: reconnect every <=500 ms forever, so recovery is quick.
 */
import type { Redis, RedisOptions } from "ioredis";

const LIMITS_REDIS_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 250,
  connectTimeout: 1_000,
  autoResendUnfulfilledCommands: false,
  retryStrategy: (times) => Math.min(50 * times, 500),
};

/**
 * Makes a client and waits (up to `readyTimeoutMs`) until it is ready. It never throws on a
 * down Redis: it returns the client, which keeps reconnecting; errors are passed to `onError`
 * (an `error` listener is always attached, so ioredis never reports an unhandled error).
 */
export async function createLimitsRedis(
  url: string,
  options: { overrides?: RedisOptions; readyTimeoutMs?: number; onError?: (err: Error) => void } = {},
): Promise<Redis> {
  // Loaded only when Redis is configured: the client library costs ~12 MB of RSS (bench/RESULTS.md, "Performance").
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, { ...LIMITS_REDIS_OPTIONS, ...options.overrides });
  redis.on("error", options.onError ?? (() => undefined));
  if (redis.status !== "ready") {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, options.readyTimeoutMs ?? 2_000);
      redis.once("ready", done);
      function done() {
        clearTimeout(timer);
        redis.off("ready", done);
        resolve();
      }
    });
  }
  return redis;
}

import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { createLimitsRedis } from "../../src/limits/redis-client.js";
import { startRedis, type TestRedis } from "./redis.js";

/**
 * A private redis-server and a client connected to it for a test file (or describe block):
 * started before its tests, stopped after them. `onStart` receives both once they are up.
 *
 *   let server: TestRedis; let redis: Redis;
 *   useRedis((started) => ({ server, redis } = started));
 */
export function useRedis(onStart: (started: { server: TestRedis; redis: Redis }) => void): void {
  let server: TestRedis | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis();
    redis = await createLimitsRedis(server.url);
    onStart({ server, redis });
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });
}

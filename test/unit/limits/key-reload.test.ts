/**
 * Issue 21, item 12: a Redis restart made the gateway log level-50 "loading API keys failed":
 * the key store's subscriber reconnected first and asked for a reload while the connection the
 * keys are read from (no offline queue) was still down. A reconnect is not an error: the reload
 * waits for that connection and succeeds.
 */
import { expect, it } from "vitest";
import type { Redis } from "ioredis";
import { create } from "@bufbuild/protobuf";
import { ConfigSchema } from "../../../src/gen/sluice/v1/config_pb.js";
import { RedisKeyStore } from "../../../src/limits/key-store.js";
import { Principals } from "../../../src/limits/principals.js";
import type { TestRedis } from "../../support/redis.js";
import { useRedis } from "../../support/use-redis.js";

let server: TestRedis;
let redis: Redis;
useRedis((started) => ({ server, redis } = started));

it("reloads the keys after each Redis restart without reporting an error", async () => {
  const errors: string[] = [];
  const store = new RedisKeyStore(redis);
  let loaded = 0;
  const list = store.list.bind(store);
  store.list = async () => {
    const keys = await list();
    loaded++;
    return keys;
  };
  const principals = new Principals(create(ConfigSchema, {}), store, (err, during) => errors.push(`${during}: ${String(err)}`));
  await principals.reload();
  try {
    for (let i = 0; i < 3; i++) {
      const before = loaded;
      await server.restart();
      await expect.poll(() => loaded, { timeout: 10_000, interval: 20 }).toBeGreaterThan(before);
    }
    expect(errors).toEqual([]);
  } finally {
    await store.close();
  }
});

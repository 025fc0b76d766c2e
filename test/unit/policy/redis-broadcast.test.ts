// Two hosts sharing a real Redis: one push reaches both, a host started later loads the active
// version, and a rollback on either switches both back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisVersionStore } from "../../../src/policy/host/redis-store.js";
import { PolicyHost } from "../../../src/policy/policy-host.js";
import { startRedis, type TestRedis } from "../../support/redis.js";
import { builtModule, DIST } from "./helpers.js";

const PHONE = { PHONE_NUMBER: "placeholder" } as const;
const PROMPT = "ring +1 415-555-0132 today";
const MASKED = "ring <PHONE_1> today";

let redis: TestRedis;
const hosts: PolicyHost[] = [];
beforeAll(async () => { redis = await startRedis(); });
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  await redis.stop();
});

async function startHost(resyncMs?: number, prefix?: string): Promise<PolicyHost> {
  const errors: unknown[] = [];
  const host = await PolicyHost.start({
    slots: [{ slot: "pii", source: "builtin:pii" }],
    store: await RedisVersionStore.connect(redis.url, { resyncMs, prefix }),
    builtinDir: DIST,
    onError: (_slot, err) => errors.push(err),
  });
  hosts.push(host);
  return host;
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("RedisVersionStore broadcast", () => {
  it("one push switches both replicas; a late replica starts on it; rollback reaches both", async () => {
    const a = await startHost();
    const b = await startHost();
    expect(a.slot("pii").current()?.version).toBe(1);
    expect(b.slot("pii").current()?.version).toBe(1); // b found a's version 1 active and loaded it
    expect((await b.pii(PHONE).scan([PROMPT])).texts[0]).toBe(MASKED);

    await a.push("pii", builtModule("testdata/pii-no-phone"), "no phones");
    expect(a.slot("pii").current()?.version).toBe(2);
    await until(() => b.slot("pii").current()?.version === 2, "replica b to switch to version 2");
    expect(await b.pii(PHONE).scan([PROMPT])).toMatchObject({ version: 2, texts: [PROMPT] });

    const c = await startHost();
    expect(c.slot("pii").current()?.version).toBe(2);
    expect((await c.list("pii")).versions.map((v) => v.version)).toEqual([1, 2]);

    await b.rollback("pii");
    await until(() => a.slot("pii").current()?.version === 1 && c.slot("pii").current()?.version === 1, "replicas a and c to roll back");
    for (const host of [a, b, c]) expect((await host.pii(PHONE).scan([PROMPT])).texts[0]).toBe(MASKED);
  });

  it("a replica that missed the broadcast catches up on its next resync", async () => {
    const a = await startHost(60_000, "resync-test");
    const b = await startHost(200, "resync-test");
    // b stops hearing pub/sub, as if its subscriber connection had dropped
    const store = (b as unknown as { options: { store: { subscriber: { unsubscribe(): Promise<unknown> } } } }).options.store;
    await store.subscriber.unsubscribe();
    await a.push("pii", builtModule("testdata/pii-no-phone"));
    await until(() => b.slot("pii").current()?.version === 2, "replica b to resync to version 2", 5_000);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResponseCache } from "../../../src/cache/response-cache.js";
import { startRedis, type TestRedis } from "../../support/redis.js";
import { answer, answerText, chat, recordingLogger } from "./support/messages.js";

/** Polls (no fixed sleeps): resolves as soon as `check` holds; fails after `ms`. */
async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("cache shared through Redis by two replicas", () => {
  let redis: TestRedis;
  const replicas: ResponseCache[] = [];
  const open = async () => {
    const c = await ResponseCache.open(
      { redis: { url: redis.url, keyPrefix: "test:cache:" }, semantic: { threadMode: "inline" } },
      { log: recordingLogger() },
    );
    replicas.push(c);
    return c;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(replicas.map((c) => c.close()));
    await redis.stop();
  });

  it("an answer stored through one replica hits through the other, exactly and semantically", async () => {
    const a = await open();
    const b = await open();
    const req = chat({ user: "What is the capital of France?" });
    expect((await b.lookup(req, "acme")).status).toBe("miss");
    expect(await a.store(req, "acme", answer("Paris."))).toBe(true);

    const exact = await b.lookup(req, "acme");
    expect(exact.status).toBe("hit_exact");
    expect(answerText(exact.response)).toBe("Paris.");

    // B's index is fed by the insert stream.
    await eventually(() => b.index!.size === 1, "replica B to index A's insert");
    const sem = await b.lookup(chat({ user: "what is the capital of france" }), "acme");
    expect(sem.status).toBe("hit_semantic");
    expect(answerText(sem.response)).toBe("Paris.");
    // Still tenant-scoped across replicas.
    expect((await b.lookup(req, "globex")).status).toBe("miss");
  });

  it("a replica started later feeds its index from the entries already in Redis", async () => {
    const c = await open();
    expect(c.index!.size).toBe(1);
    expect((await c.lookup(chat({ user: "What is the capital of France??" }), "acme")).status).toBe("hit_semantic");
  });

  it("Redis down: lookups answer quickly without throwing, stores are skipped; service resumes after restart", async () => {
    const [a, b] = replicas;
    await redis.kill();
    const req = chat({ user: "What is the capital of France?" });
    const started = performance.now();
    const results = await Promise.all([a!.lookup(req, "acme"), b!.lookup(chat({ user: "what is the capital of france" }), "acme")]);
    const elapsed = performance.now() - started;
    for (const r of results) expect(r).toMatchObject({ status: "bypass", reason: "unavailable" });
    // Bounded by the offline-queue-free client (fails at once) and, at worst, the command timeout.
    expect(elapsed).toBeLessThan(1000);
    expect(await a!.store(chat({ user: "new question" }), "acme", answer("x"))).toBe(false);
    expect(a!.stats.errors).toBeGreaterThanOrEqual(2);

    await redis.restart(); // empty: no persistence
    const fresh = chat({ user: "After the restart?" });
    await eventually(async () => (await a!.store(fresh, "acme", answer("yes"))) === true, "the store to work again");
    await eventually(async () => (await b!.lookup(fresh, "acme")).status === "hit_exact", "replica B to hit again");
  });

  it("a replica whose Redis is unreachable at start still opens, and skips the cache", async () => {
    const log = recordingLogger();
    // Port 1 on loopback: connection refused at once.
    const c = await ResponseCache.open({ redis: { url: "redis://127.0.0.1:1" }, semantic: { threadMode: "inline" } }, { log });
    replicas.push(c);
    expect(await c.lookup(chat({ user: "hello" }), "acme")).toMatchObject({ status: "bypass", reason: "unavailable" });
    expect(await c.store(chat({ user: "hello" }), "acme", answer("hi"))).toBe(false);
    expect(log.warnings.length).toBeGreaterThan(0);
  });
});

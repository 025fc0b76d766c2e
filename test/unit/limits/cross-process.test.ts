/**
 * Exactness across replicas: two separate Node processes share one Redis and hammer one limit
 * concurrently, far past it. Together they must not admit more than the limit (plus what the
 * bucket refills during the measured run, which is computed, not guessed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fork, type ChildProcess } from "node:child_process";
import type { LimitScope } from "../../../src/core/principal.js";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { startRedis, type TestRedis } from "../../support/redis.js";
import { createLimitsRedis } from "../../../src/limits/redis-client.js";
import { RedisLimitStore } from "../../../src/limits/redis-store.js";
import { transpileForChildren } from "../../fixtures/limits/transpile.js";

let server: TestRedis;
let childRoot: string;
beforeAll(async () => {
  server = await startRedis();
  childRoot = transpileForChildren(["src/limits", "test/fixtures/limits"]);
});
afterAll(async () => {
  await server?.stop();
  if (childRoot) rmSync(childRoot, { recursive: true, force: true });
});

interface Outcome {
  admitted: number;
  refused: number;
  errors: number;
  settledTokens: number;
}

interface Job {
  keyPrefix: string;
  scopes: LimitScope[];
  tokens: number;
  attempts: number;
  concurrency: number;
  settle?: { min: number; max: number; seed: number };
}

async function hammer(processes: number, job: Job) {
  const children: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  const results: Promise<Outcome>[] = [];
  for (let i = 0; i < processes; i++) {
    const child = fork(join(childRoot, "test/fixtures/limits/hammer-child.js"), [], {
      env: { ...process.env, HAMMER_JOB: JSON.stringify({ url: server.url, ...job, settle: job.settle && { ...job.settle, seed: job.settle.seed + i } }) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.push(child);
    ready.push(new Promise((resolve, reject) => {
      child.once("message", () => resolve());
      child.once("exit", (code) => reject(new Error(`hammer child exited early (${code})`)));
    }));
    results.push(new Promise((resolve, reject) => {
      child.on("message", (m: Partial<Outcome> & { ready?: boolean }) => {
        if (!m.ready) resolve(m as Outcome);
      });
      child.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`hammer child failed (${code})`))));
    }));
  }
  await Promise.all(ready);
  const started = performance.now();
  for (const c of children) c.send("go");
  const outcomes = await Promise.all(results);
  const elapsedMs = performance.now() - started;
  if (process.env.HAMMER_DEBUG) console.log(JSON.stringify({ outcomes, elapsedMs }));
  await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once("exit", r)))));
  return { outcomes, elapsedMs };
}

describe("two processes sharing one Redis", () => {
  it("admit no more than the rpm limit together", async () => {
    const limit = 300;
    const scopes: LimitScope[] = [{ id: "tenant:x", label: "tenant x", partition: "x", rpm: limit }];
    const { outcomes, elapsedMs } = await hammer(2, { keyPrefix: "xp1", scopes, tokens: 1, attempts: 800, concurrency: 16 });
    const admitted = outcomes.reduce((n, o) => n + o.admitted, 0);
    const refill = Math.floor((limit * elapsedMs) / 60_000);
    expect(outcomes.reduce((n, o) => n + o.errors, 0)).toBe(0);
    // How the admissions split between the processes depends on scheduling (usually both get
    // some); the bound below must hold whatever the interleaving.
    expect(admitted).toBeGreaterThanOrEqual(limit);
    expect(admitted).toBeLessThanOrEqual(limit + refill);
  });

  it("admit no more than the tpm limit together (key + tenant in one script)", async () => {
    const tpm = 20_000;
    const scopes: LimitScope[] = [
      { id: "key:y1", label: "key y1", partition: "y", rpm: 100_000 },
      { id: "tenant:y", label: "tenant y", partition: "y", tpm },
    ];
    const { outcomes, elapsedMs } = await hammer(2, { keyPrefix: "xp2", scopes, tokens: 500, attempts: 300, concurrency: 16 });
    const admitted = outcomes.reduce((n, o) => n + o.admitted, 0);
    const refillTokens = (tpm * elapsedMs) / 60_000;
    expect(admitted).toBeGreaterThanOrEqual(tpm / 500);
    expect(admitted * 500).toBeLessThanOrEqual(tpm + refillTokens);
  });

  it("hold the tpm limit when real usage differs from the estimate, and leak no reservations", async () => {
    const tpm = 20_000;
    const concurrency = 8;
    const scopes: LimitScope[] = [{ id: "tenant:z", label: "tenant z", partition: "z", tpm }];
    const settle = { min: 100, max: 900, seed: 42 };
    const { outcomes, elapsedMs } = await hammer(2, { keyPrefix: "xp3", scopes, tokens: 500, attempts: 300, concurrency, settle });
    const used = outcomes.reduce((n, o) => n + o.settledTokens, 0);
    // Each admission fit the bucket at its time; only requests still in flight when the last one
    // was admitted can overrun after it (at most 2 x concurrency of them, by 400 tokens each).
    const slack = 2 * concurrency * (settle.max - 500);
    expect(outcomes.reduce((n, o) => n + o.errors, 0)).toBe(0);
    expect(used).toBeGreaterThanOrEqual(tpm / 2);
    expect(used).toBeLessThanOrEqual(tpm + (tpm * elapsedMs) / 60_000 + slack);
    const redis = await createLimitsRedis(server.url);
    try {
      expect(await new RedisLimitStore({ redis, keyPrefix: "xp3" }).outstanding(["z"])).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import http from "node:http";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { ledgerRecords } from "../support/ledger.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import { startGatewayProcess } from "../support/process.js";
import { startRedis, type TestRedis } from "../support/redis.js";

const KEYS = { a: "sk-sluice-tenant-a-key", b: "sk-sluice-tenant-b-key", old: "sk-sluice-expired-key", rich: "sk-sluice-budget-key" };

function body(model: string, extra: object = {}) {
  return JSON.stringify({ model, messages: [{ role: "user", content: "count me" }], ...extra });
}

async function post(url: string, key: string, payload: string): Promise<{ status: number; json: any; headers: Headers; text: string }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: payload,
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, headers: res.headers, text };
}

describe("limits, budgets and the ledger in one gateway", () => {
  let upstream: FakeOpenAI;
  let gateway: RunningGateway;
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-limits-"));

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    gateway = await startTestGateway(`
data_dir: "${dataDir}"
providers:
  - { id: fake, kind: openai, base_url: "${upstream.url}" }
  - { id: dead, kind: openai, base_url: "http://127.0.0.1:1/v1" }
models:
  - { alias: echo, targets: [ { provider: fake, model: echo } ] }
  - { alias: broken, targets: [ { provider: fake, model: "cut:works:4" } ] }
  - { alias: trickle, targets: [ { provider: fake, model: trickle } ] }
  - { alias: dead, targets: [ { provider: dead, model: x } ] }
  - { alias: fallback, strategy: ordered, targets: [ { provider: dead, model: x }, { provider: fake, model: echo } ] }
pricing:
  echo: { input_per_mtok: 500000, output_per_mtok: 500000 }
tenants:
  - id: team-a
    keys: [ { id: a1, hash: "${hashApiKey(KEYS.a)}", tags: { app: "search" } } ]
    limits: { rpm: 5 }
  - id: team-b
    keys:
      - { id: b1, hash: "${hashApiKey(KEYS.b)}" }
      - { id: b-old, hash: "${hashApiKey(KEYS.old)}", expires_at: "2020-01-01T00:00:00Z" }
  - id: team-c
    keys: [ { id: c1, hash: "${hashApiKey(KEYS.rich)}" } ]
    budget: { daily_usd: 10 }
`);
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it("refuses past the tenant's rpm with 429, naming the limit, with retry-after", async () => {
    const statuses: number[] = [];
    let refusal;
    for (let i = 0; i < 7; i++) {
      const r = await post(gateway.url, KEYS.a, body("echo"));
      statuses.push(r.status);
      if (r.status === 429) refusal = r;
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(refusal!.json.error).toMatchObject({ code: "rate_limited", type: "rate_limit_error" });
    expect(refusal!.json.error.message).toContain("tenant team-a rpm");
    expect(Number(refusal!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Another tenant is not affected.
    expect((await post(gateway.url, KEYS.b, body("echo"))).status).toBe(200);
  });

  it("refuses an expired key", async () => {
    const r = await post(gateway.url, KEYS.old, body("echo"));
    expect(r.status).toBe(401);
    expect(r.json.error.message).toBe("API key expired");
  });

  it("prices each answer, and refuses once the daily budget is used up", async () => {
    // The fake reports 5 input + 3 output tokens; at $0.50 per token that is $4 a request.
    // Admission holds the worst case (input estimate + max_tokens) against the $10 cap.
    const asks = [];
    for (let i = 0; i < 3; i++) asks.push(await post(gateway.url, KEYS.rich, body("echo", { max_tokens: 3 })));
    expect(asks.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(Number(asks[0]!.headers.get("x-sluice-cost-usd"))).toBeCloseTo(4);
    expect(asks[2]!.json.error).toMatchObject({ code: "budget_exhausted", type: "insufficient_quota" });
    expect(asks[2]!.json.error.message).toContain("tenant team-c daily budget");
  });

  it("after a burst of streamed, cancelled, failed and fallback requests no reservation is left, and the ledger matches the upstream's usage", async () => {
    const before = upstream.requests.length;
    const jobs: Array<Promise<unknown>> = [];
    for (let i = 0; i < 4; i++) {
      jobs.push(post(gateway.url, KEYS.b, body("echo", { stream: true, stream_options: { include_usage: true } })));
      jobs.push(post(gateway.url, KEYS.b, body("broken", { stream: true })));
      jobs.push(post(gateway.url, KEYS.b, body("dead")));
      jobs.push(post(gateway.url, KEYS.b, body("fallback")));
      jobs.push(
        new Promise<void>((resolve) => {
          const req = http.request(`${gateway.url}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${KEYS.b}` },
          });
          req.on("response", (res) => res.once("data", () => (req.destroy(), resolve())));
          req.on("error", () => resolve());
          req.end(body("trickle", { stream: true }));
        }),
      );
    }
    await Promise.all(jobs);
    await expect.poll(() => gateway.gateway.limits.outstanding(), { timeout: 5000 }).toBe(0);

    await gateway.gateway.flushLedger();
    const records = (await ledgerRecords(dataDir)).filter((r) => r.keyId === "b1");
    const byModel = (m: string) => records.filter((r) => r.modelRequested === m);
    expect(byModel("echo").length).toBeGreaterThanOrEqual(4);
    for (const r of [...byModel("echo"), ...byModel("fallback")].filter((r) => r.outcome === "ok")) {
      // exactly what the fake upstream reported (5 in, 3 out)
      expect([r.inputTokens, r.outputTokens]).toEqual([5, 3]);
    }
    expect(byModel("fallback").every((r) => r.provider === "fake" && r.outcome === "ok")).toBe(true);
    expect(byModel("dead").every((r) => r.outcome === "error" && r.inputTokens === 0 && r.costUsd === 0)).toBe(true);
    expect(byModel("broken").every((r) => r.outcome === "error" && r.errorCode === "stream_interrupted")).toBe(true);
    await expect.poll(async () => (await ledgerRecords(dataDir)).filter((r) => r.modelRequested === "trickle" && r.outcome === "cancelled").length, { timeout: 5000 }).toBe(4);
    expect(upstream.requests.length).toBeGreaterThan(before);
    // The tenant's key tags are recorded.
    const a = (await ledgerRecords(dataDir)).find((r) => r.keyId === "a1");
    expect(a?.tags).toEqual({ app: "search" });
    // No prompt text in the ledger.
    expect(JSON.stringify(records)).not.toContain("count me");
  });
});

describe("limits across replicas sharing one Redis", () => {
  let redis: TestRedis;
  let upstream: FakeOpenAI;
  beforeAll(async () => {
    redis = await startRedis();
    upstream = await startFakeOpenAI();
  });
  afterAll(async () => {
    await upstream.close();
    await redis.stop();
  });

  function config(extra = "") {
    const file = join(mkdtempSync(join(tmpdir(), "sluice-redis-")), "sluice.yaml");
    writeFileSync(
      file,
      `
redis: { url: "${redis.url}" }
providers: [ { id: fake, kind: openai, base_url: "${upstream.url}" } ]
models: [ { alias: echo, targets: [ { provider: fake, model: echo } ] } ]
tenants:
  - id: shared
    keys: [ { id: k, hash: "${hashApiKey(KEYS.a)}" } ]
    limits: { rpm: 30 }
telemetry: { access_log: false }
${extra}
`,
    );
    return file;
  }

  it("two gateway processes driven concurrently past an rpm limit admit no more than the limit together", async () => {
    const file = config();
    const [g1, g2] = await Promise.all([startGatewayProcess(["--config", file]), startGatewayProcess(["--config", file])]);
    try {
      const jobs: Array<Promise<number>> = [];
      const startedAt = performance.now();
      for (let i = 0; i < 40; i++) {
        for (const g of [g1, g2]) jobs.push(post(g.url, KEYS.a, body("echo")).then((r) => r.status));
      }
      const statuses = await Promise.all(jobs);
      // rpm 30 refills one place every 2 s: on a slow machine the 80 requests can take longer than
      // that, and each refill is one more request the limit allows.
      const refills = Math.floor((performance.now() - startedAt) / 2000);
      const admitted = statuses.filter((s) => s === 200).length;
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
      expect(admitted).toBeLessThanOrEqual(30 + refills);
      expect(admitted).toBeGreaterThanOrEqual(28); // the limit is used, not refused wholesale
    } finally {
      g1.child.kill("SIGTERM");
      g2.child.kill("SIGTERM");
      await Promise.all([g1.exited, g2.exited]);
    }
  });

  it("a tokens-per-minute limit holds across two processes with streamed answers whose usage differs from the estimate", async () => {
    // A tenant limited by tpm only.
    const tpmFile = join(mkdtempSync(join(tmpdir(), "sluice-tpm-")), "sluice.yaml");
    writeFileSync(
      tpmFile,
      `
redis: { url: "${redis.url}" }
providers: [ { id: fake, kind: openai, base_url: "${upstream.url}" } ]
models: [ { alias: echo, targets: [ { provider: fake, model: echo } ] } ]
tenants:
  - id: tpm-tenant
    keys: [ { id: t, hash: "${hashApiKey(KEYS.b)}" } ]
    limits: { tpm: 400 }
telemetry: { access_log: false }
`,
    );
    const [g1, g2] = await Promise.all([startGatewayProcess(["--config", tpmFile]), startGatewayProcess(["--config", tpmFile])]);
    const started = Date.now();
    try {
      // Each request reserves its input estimate + max_tokens 40; the upstream really uses
      // 5 + 3 = 8 tokens, and the reconcile returns the rest.
      const payload = body("echo", { stream: true, stream_options: { include_usage: true }, max_tokens: 40 });
      let admitted = 0;
      for (let wave = 0; wave < 6; wave++) {
        const jobs: Array<Promise<number>> = [];
        for (let i = 0; i < 10; i++) for (const g of [g1, g2]) jobs.push(post(g.url, KEYS.b, payload).then((r) => r.status));
        const statuses = await Promise.all(jobs);
        expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
        admitted += statuses.filter((s) => s === 200).length;
      }
      const refill = ((Date.now() - started) / 60_000) * 400;
      // Real tokens admitted never exceed the minute's tokens plus what refilled meanwhile.
      expect(admitted * 8).toBeLessThanOrEqual(400 + refill + 8);
      // And more got through than the up-front estimates alone would allow: unused tokens came back.
      expect(admitted).toBeGreaterThan(Math.floor(400 / 48));
    } finally {
      g1.child.kill("SIGTERM");
      g2.child.kill("SIGTERM");
      await Promise.all([g1.exited, g2.exited]);
    }
  });

  it("Redis killed: fail-open keeps serving, fail-closed refuses with 503; both recover", async () => {
    const open = await startGatewayProcess(["--config", config()]);
    const closed = await startGatewayProcess(["--config", config("limits: { redis_fault_mode: fail-closed }")]);
    try {
      expect((await post(open.url, KEYS.a, body("echo"))).status).toBe(200);
      await redis.kill();
      expect((await post(open.url, KEYS.a, body("echo"))).status).toBe(200);
      const refused = await post(closed.url, KEYS.a, body("echo"));
      expect(refused.status).toBe(503);
      expect(refused.json.error.message).toMatch(/usage limits cannot be checked/);
      await redis.restart();
      await expect.poll(async () => (await post(closed.url, KEYS.a, body("echo"))).status, { timeout: 10_000, interval: 300 }).toBe(200);
    } finally {
      open.child.kill("SIGTERM");
      closed.child.kill("SIGTERM");
      expect(await open.exited).toBe(0);
      expect(await closed.exited).toBe(0);
    }
  });
});

describe("provider deployment limits", () => {
  it("a deployment over its own rpm is skipped for the fallback, and refused when there is none", async () => {
    const upstream = await startFakeOpenAI();
    const gateway = await startTestGateway(`
providers:
  - { id: quota, kind: openai, base_url: "${upstream.url}", limits: { rpm: 2 } }
  - { id: spare, kind: openai, base_url: "${upstream.url}" }
models:
  - { alias: both, strategy: ordered, targets: [ { provider: quota, model: echo }, { provider: spare, model: echo } ] }
  - { alias: only, targets: [ { provider: quota, model: echo } ] }
`);
    try {
      const providers: Array<string | null> = [];
      for (let i = 0; i < 4; i++) {
        const r = await post(gateway.url, "unused", body("both"));
        expect(r.status).toBe(200);
        providers.push(r.headers.get("x-sluice-provider"));
      }
      expect(providers).toEqual(["quota", "quota", "spare", "spare"]);
      const refused = await post(gateway.url, "unused", body("only"));
      expect(refused.status).toBe(429);
      expect(refused.json.error.message).toContain("provider quota rpm");
      await expect.poll(() => gateway.gateway.limits.outstanding(), { timeout: 5000 }).toBe(0);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { ledgerRecords } from "../support/ledger.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";

// Embeddings go through the same phases as chat (src/pipeline/operations.ts): authenticate,
// resolve, admit (rate limits, budgets), dispatch, settle (cost, ledger, metrics).
const KEYS = { limited: "sk-sluice-embed-rpm", thrifty: "sk-sluice-embed-budget" };

async function embed(url: string, key: string, input: string | string[]): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}/v1/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "text-embedding-3-small", input }),
  });
  return { status: res.status, json: await res.json() };
}

describe("embeddings are limited, budgeted, priced and recorded like chat", () => {
  let upstream: FakeOpenAI;
  let gateway: RunningGateway;
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-embed-limits-"));

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    gateway = await startTestGateway(`
data_dir: "${dataDir}"
providers:
  - { id: fake, kind: openai, base_url: "${upstream.url}" }
models:
  - { alias: text-embedding-3-small, targets: [ { provider: fake, model: text-embedding-3-small } ] }
tenants:
  - id: rpm-tenant
    keys: [ { id: limited, hash: "${hashApiKey(KEYS.limited)}" } ]
    limits: { rpm: 5 }
  - id: budget-tenant
    keys: [ { id: thrifty, hash: "${hashApiKey(KEYS.thrifty)}" } ]
    budget: { daily_usd: 0.000001 }
pricing:
  text-embedding-3-small: { input_per_mtok: 0.02, output_per_mtok: 0 }
`);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it("a tenant with rpm 5 gets 5 of 8 calls; each call has one ledger line with its cost", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await embed(gateway.url, KEYS.limited, ["hello", "embeddings"])).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    expect(upstream.requests.filter((r) => r.body.input !== undefined)).toHaveLength(5);

    await gateway.gateway.flushLedger();
    const records = (await ledgerRecords(dataDir)).filter((r) => r.keyId === "limited");
    expect(records).toHaveLength(8);
    const ok = records.filter((r) => r.outcome === "ok");
    expect(ok).toHaveLength(5);
    expect(records.filter((r) => r.outcome === "refused" && r.errorCode === "rate_limited")).toHaveLength(3);
    for (const r of ok) {
      expect(r).toMatchObject({ tenant: "rpm-tenant", modelRequested: "text-embedding-3-small", provider: "fake", inputTokens: 4, outputTokens: 0 });
      // 4 input tokens at $0.02 per million.
      expect(r.costUsd).toBeCloseTo((4 * 0.02) / 1e6, 12);
    }
  });

  it("a budget too small for the call's estimated cost refuses it, naming the amounts", async () => {
    const res = await embed(gateway.url, KEYS.thrifty, "a".repeat(4000));
    expect(res.status).toBe(429);
    expect(res.json.error.code).toBe("budget_exhausted");
    expect(res.json.error.message).toMatch(/worst-case cost of \$0\.0000\d+ .* more than the \$0\.000001 left of \$0\.000001/);
  });

  it("the metrics count embeddings with chat", async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).toMatch(/sluice_requests_total\{surface="rest",model="text-embedding-3-small",provider="fake",status="ok"\} 5/);
  });
});

/**
 * Issue 21, items 1, 8 and 10, against the real gateway and a fake OpenAI upstream that records
 * what it receives:
 * - metric labels come from a bounded set: a caller's model names never become series;
 * - an email in any free-text field (`user`, tool-call arguments, a remote image URL, metadata,
 *   embeddings input, the model name itself) reaches neither the upstream nor the ledger raw;
 * - a key's tags win over the caller's metadata, which the ledger keeps apart, bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import { ledgerRecords } from "../support/ledger.js";

const KEY = "sk-sluice-telemetry-hardening";
const EMAIL = "jane.doe@example.com";
/** The pii module's placeholder for the first email of a request. */
const PLACEHOLDER = /<EMAIL(?:_ADDRESS)?_1>/;
let upstream: FakeOpenAI;
let gateway: RunningGateway;
let dataDir: string;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  dataDir = mkdtempSync(join(tmpdir(), "sluice-telemetry-"));
  gateway = await startTestGateway(`
data_dir: ${dataDir}
providers: [ { id: fake, kind: openai, base_url: "${upstream.url}" } ]
models:
  - { alias: echo, targets: [ { provider: fake, model: echo } ] }
  - { alias: embed, targets: [ { provider: fake, model: text-embedding-3-small } ] }
policies:
  pii: { actions: { EMAIL_ADDRESS: placeholder } }
tenants:
  - { id: acme, keys: [ { id: acme-1, hash: "${hashApiKey(KEY)}", tags: { team: alpha } } ] }
`);
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

async function post(path: string, body: object): Promise<{ status: number; json: any }> {
  const res = await fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function metricsText(): Promise<string> {
  return (await fetch(`${gateway.url}/metrics`)).text();
}

async function ledgerLine(id: string) {
  await gateway.gateway.flushLedger();
  return (await ledgerRecords(dataDir)).find((r) => r.id === id);
}

describe("metric labels are bounded", () => {
  it("distinct unknown model names leave /metrics the same size and name none of them", async () => {
    const ask = (model: string) => post("/v1/chat/completions", { model, messages: [{ role: "user", content: "hello" }] });
    await ask("echo");
    // Garbage, an unknown provider, and direct names of a configured provider (sent upstream).
    const names = (i: number) => [`garbage-${i}-${"x".repeat(100)}`, `nope/garbage-${i}`, `fake/garbage-${i}`];
    for (let i = 0; i < 5; i++) for (const n of names(i)) await ask(n);
    const before = (await metricsText()).length;
    for (let i = 5; i < 60; i++) for (const n of names(i)) await ask(n);
    const text = await metricsText();
    expect(text).not.toContain("garbage");
    // Only counts change: a few digits per series, not a series per name.
    expect(text.length - before).toBeLessThan(1_000);
    expect(text).toMatch(/sluice_requests_total\{surface="rest",model="unknown",provider="",status="model_not_found"\} 120/);
    expect(text).toMatch(/sluice_requests_total\{surface="rest",model="fake\/other",provider="",status="[a-z_]+"\} 60/);
    expect(text).toMatch(/sluice_requests_total\{surface="rest",model="echo",provider="fake",status="ok"\} 1/);
  });
});

describe("personal data past the pii slot", () => {
  it("an email in user, tool-call arguments, a remote image URL and metadata reaches neither the upstream nor the ledger", async () => {
    const res = await post("/v1/chat/completions", {
      model: "echo",
      user: EMAIL,
      metadata: { contact: EMAIL, feature: "support" },
      messages: [
        { role: "user", content: [{ type: "text", text: "Look at this" }, { type: "image_url", image_url: { url: `https://img.example/p.png?owner=${EMAIL}` } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "send", arguments: JSON.stringify({ to: EMAIL }) } }] },
        { role: "tool", tool_call_id: "call_1", content: "sent" },
        { role: "user", content: "thanks" },
      ],
    });
    expect(res.status).toBe(200);
    const sent = JSON.stringify(upstream.requests.at(-1)!.body);
    expect(sent).not.toContain(EMAIL);
    const body = upstream.requests.at(-1)!.body;
    expect(body.user).toMatch(PLACEHOLDER);
    expect(body.messages[0].content[1].image_url.url).toMatch(new RegExp(`^https://img\\.example/p\\.png\\?owner=${PLACEHOLDER.source}$`));
    expect(JSON.parse(body.messages[1].tool_calls[0].function.arguments).to).toMatch(PLACEHOLDER);
    const line = await ledgerLine(await lastRequestId());
    expect(JSON.stringify(line)).not.toContain(EMAIL);
    expect(line?.metadata?.contact).toMatch(PLACEHOLDER);
    expect(line?.metadata?.feature).toBe("support");
    expect(line?.tags).toEqual({ team: "alpha" });
  });

  it("an email in embeddings input is redacted before the upstream and never in the ledger", async () => {
    const res = await post("/v1/embeddings", { model: "embed", input: [`write to ${EMAIL}`, "plain"] });
    expect(res.status).toBe(200);
    expect(upstream.requests.at(-1)!.body.input).toEqual(["write to [EMAIL_ADDRESS]", "plain"]);
    const line = await ledgerLine(await lastRequestId());
    expect(line?.modelRequested).toBe("embed");
    expect(JSON.stringify(await ledgerRecords(dataDir))).not.toContain(EMAIL);
  });

  it("a model name holding an email is recorded as `unknown`", async () => {
    const res = await post("/v1/chat/completions", { model: EMAIL, messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(404);
    const line = await ledgerLine(await lastRequestId());
    expect(line?.modelRequested).toBe("unknown");
    expect(JSON.stringify(await ledgerRecords(dataDir))).not.toContain(EMAIL);
    expect(await metricsText()).not.toContain(EMAIL);
  });
});

describe("a key's tags win over caller metadata", () => {
  it("records the key's team, and the caller's metadata apart and bounded", async () => {
    const metadata: Record<string, string> = { team: "someone-else" };
    for (let i = 0; i < 40; i++) metadata[`k${i}-${"n".repeat(100)}`] = "v".repeat(2000);
    const res = await post("/v1/chat/completions", { model: "echo", metadata, messages: [{ role: "user", content: "hello" }] });
    expect(res.status).toBe(200);
    const line = await ledgerLine(await lastRequestId());
    expect(line?.tags).toEqual({ team: "alpha" });
    expect(line?.metadata?.team).toBe("someone-else");
    const entries = Object.entries(line!.metadata!);
    expect(entries.length).toBeLessThanOrEqual(16);
    for (const [k, v] of entries) {
      expect(k.length).toBeLessThanOrEqual(65);
      expect(v.length).toBeLessThanOrEqual(257);
    }
  });
});

/** The id of the latest ledger line (the gateway's request ids are not in OpenAI's answer). */
async function lastRequestId(): Promise<string> {
  await gateway.gateway.flushLedger();
  const records = await ledgerRecords(dataDir);
  return records.at(-1)!.id;
}

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get_encoding } from "tiktoken";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChatRequestSchema, GatewayService, Role } from "../../src/gen/sluice/v1/gateway_pb.js";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";

/** Token counting through the gateway with the `tokens` WASM module (needs `npm run build:wasm`). */
let upstream: FakeOpenAI;
let gateway: RunningGateway;
const KEY = "sk-sluice-tokens-test";
const messages = [
  { role: "system", content: "You are a careful assistant. Answer in French." },
  { role: "user", content: "How many tokens is this sentence, including the emoji 🚀 and naïve café?" },
];

/** OpenAI's published rule, computed with the official tiktoken bindings. */
function referenceCount(encoding: "o200k_base" | "cl100k_base"): number {
  const enc = get_encoding(encoding);
  let n = 3;
  for (const m of messages) n += 3 + enc.encode(m.role).length + enc.encode(m.content).length;
  enc.free();
  return n;
}

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway(`
providers:
  - { id: oai, kind: openai, base_url: "${upstream.url}" }
  - { id: claude, kind: anthropic, api_key: x, base_url: "${upstream.url}" }
models:
  - { alias: gpt-4o, targets: [ { provider: oai, model: gpt-4o } ] }
  - { alias: gpt-4, targets: [ { provider: oai, model: gpt-4 } ] }
  - { alias: tiny, context_window: 30, targets: [ { provider: oai, model: echo } ] }
  - { alias: echo, targets: [ { provider: oai, model: echo } ] }
  - { alias: claude, targets: [ { provider: claude, model: claude-sonnet-4-5 } ] }
tenants:
  - { id: t, keys: [ { id: k, hash: "${hashApiKey(KEY)}" } ], limits: { tpm: 100000 } }
`);
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

async function count(model: string): Promise<any> {
  const res = await fetch(`${gateway.url}/v1/tokens/count`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ model, messages }),
  });
  return { status: res.status, body: await res.json() };
}

describe("CountTokens", () => {
  it("REST: exact for OpenAI models, per encoding", async () => {
    const o200k = await count("gpt-4o");
    expect(o200k.status).toBe(200);
    expect(o200k.body).toEqual({ input_tokens: referenceCount("o200k_base"), encoding: "o200k_base", exact: true, provider: "oai", model: "gpt-4o" });
    const cl100k = await count("gpt-4");
    expect(cl100k.body.input_tokens).toBe(referenceCount("cl100k_base"));
    expect(cl100k.body.encoding).toBe("cl100k_base");
  });

  it("marks stand-in counts for providers without a public tokenizer", async () => {
    const claude = await count("claude");
    expect(claude.body).toMatchObject({ encoding: "o200k_base", exact: false, provider: "claude" });
  });

  it("gRPC CountTokens gives the same count", async () => {
    const client = createClient(GatewayService, createGrpcTransport({ baseUrl: gateway.url }));
    const res = await client.countTokens(
      create(ChatRequestSchema, {
        model: "gpt-4o",
        messages: messages.map((m) => ({ role: m.role === "system" ? Role.SYSTEM : Role.USER, content: [{ part: { case: "text" as const, value: m.content } }] })),
      }),
      { headers: { authorization: `Bearer ${KEY}` } },
    );
    expect(res.inputTokens).toBe(referenceCount("o200k_base"));
  });

  it("unknown models and bad keys get the usual errors", async () => {
    expect((await count("nope")).status).toBe(404);
    const res = await fetch(`${gateway.url}/v1/tokens/count`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-4o", messages }) });
    expect(res.status).toBe(401);
  });
});

describe("token counts in the request path", () => {
  it("refuses a request that cannot fit the model's context window", async () => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: "tiny", messages, max_tokens: 10 }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe("context_length_exceeded");
    expect(body.error.message).toMatch(/context window is 30 tokens; the request has \d+ input tokens/);
  });

  it("compares the count with the provider's reported usage (metric by model)", async () => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: "echo", messages }),
    });
    expect(res.status).toBe(200);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/sluice_token_estimate_error_ratio_count\{model="echo"\} 1/);
  });
});

/**
 * The tokens policy slot behind the gateway: a trapping module (dist/policy-wasm/testdata/
 * tokens-faulty.wasm traps on "__trap__") fails open to the documented estimate while the
 * gateway keeps serving, or closed with `unavailable`; a pushed module changes counts from the
 * next request and a rollback restores them.
 */
describe("the tokens slot in the gateway", () => {
  const FAULTY = join(process.cwd(), "dist", "policy-wasm", "testdata", "tokens-faulty.wasm");
  const PLUS_ONE = join(process.cwd(), "dist", "policy-wasm", "testdata", "tokens-plus-one.wasm");
  const trapMessages = [{ role: "user", content: "__trap__ please count me" }];

  async function faultyGateway(fail: "open" | "closed"): Promise<RunningGateway> {
    return startTestGateway(`
providers:
  - { id: oai, kind: openai, base_url: "${upstream.url}" }
models:
  - { alias: gpt-4o, targets: [ { provider: oai, model: gpt-4o } ] }
  - { alias: echo, targets: [ { provider: oai, model: echo } ] }
tenants:
  - { id: t, keys: [ { id: k, hash: "${hashApiKey(KEY)}" } ], limits: { tpm: 100000 } }
policies:
  tokens: { module: "${FAULTY}", fail: ${fail} }
`);
  }

  async function post(gw: RunningGateway, path: string, body: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${gw.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  it("fails open: the estimate stands in (exact: false) and chat and CountTokens keep answering", async () => {
    const gw = await faultyGateway("open");
    try {
      const trapped = await post(gw, "/v1/tokens/count", { model: "gpt-4o", messages: trapMessages });
      expect(trapped.status).toBe(200);
      // 3 (priming) + 3 (message) + ceil("user".length / 4) + ceil(content.length / 4)
      expect(trapped.body).toMatchObject({ input_tokens: 3 + 3 + 1 + Math.ceil(trapMessages[0]!.content.length / 4), exact: false });
      const chat = await post(gw, "/v1/chat/completions", { model: "echo", messages: trapMessages });
      expect(chat.status).toBe(200);
      // the plugin was recreated and initialised again: exact counts right after
      expect((await post(gw, "/v1/tokens/count", { model: "gpt-4o", messages })).body).toMatchObject({ input_tokens: referenceCount("o200k_base"), exact: true });
      const client = createClient(GatewayService, createGrpcTransport({ baseUrl: gw.url }));
      const res = await client.countTokens(
        create(ChatRequestSchema, { model: "gpt-4o", messages: [{ role: Role.USER, content: [{ part: { case: "text" as const, value: trapMessages[0]!.content } }] }] }),
        { headers: { authorization: `Bearer ${KEY}` } },
      );
      expect(res.inputTokens).toBe(trapped.body.input_tokens);
      expect(res.exact).toBe(false);
    } finally {
      await gw.close();
    }
  });

  it("fails closed: CountTokens and chat refuse with `unavailable`, then serve again", async () => {
    const gw = await faultyGateway("closed");
    try {
      const count = await post(gw, "/v1/tokens/count", { model: "gpt-4o", messages: trapMessages });
      expect(count.status).toBe(503);
      expect(count.body.error.code).toBe("unavailable");
      const chat = await post(gw, "/v1/chat/completions", { model: "echo", messages: trapMessages });
      expect(chat.status).toBe(503);
      expect(chat.body.error.code).toBe("unavailable");
      expect((await post(gw, "/v1/chat/completions", { model: "echo", messages })).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it("a push of another tokens module changes counts from the next request; rollback restores", async () => {
    const long = [{ role: "user", content: "Counting tokens exactly matters for limits, budgets and context windows. ".repeat(3) }];
    const before = (await post(gateway, "/v1/tokens/count", { model: "gpt-4o", messages: long })).body.input_tokens as number;
    const policy = gateway.gateway.policy!;
    await policy.push("tokens", new Uint8Array(readFileSync(PLUS_ONE)), "plus one");
    try {
      expect((await post(gateway, "/v1/tokens/count", { model: "gpt-4o", messages: long })).body.input_tokens).toBe(before + 1);
    } finally {
      await policy.rollback("tokens");
    }
    expect((await post(gateway, "/v1/tokens/count", { model: "gpt-4o", messages: long })).body.input_tokens).toBe(before);
  });
});

describe("the tokens slot with Redis unreachable at start", () => {
  it("the gateway still starts (the slot's versions come from the data dir) and counts exactly", async () => {
    // Port 1 on loopback: nothing listens. Limits fail open; the policy store falls back.
    const gw = await startTestGateway(`
redis: { url: "redis://127.0.0.1:1" }
providers:
  - { id: oai, kind: openai, base_url: "${upstream.url}" }
models:
  - { alias: gpt-4o, targets: [ { provider: oai, model: gpt-4o } ] }
tenants:
  - { id: t, keys: [ { id: k, hash: "${hashApiKey(KEY)}" } ] }
`);
    try {
      expect(gw.gateway.policy?.slot("tokens").current()?.version).toBe(1);
      const res = await fetch(`${gw.url}/v1/tokens/count`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ model: "gpt-4o", messages }),
      });
      expect(await res.json()).toMatchObject({ input_tokens: referenceCount("o200k_base"), exact: true });
    } finally {
      await gw.close();
    }
  });
});

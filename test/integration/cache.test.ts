import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CacheStatus, ChatRequestSchema, GatewayService, Role, type ChatChunk } from "../../src/gen/sluice/v1/gateway_pb.js";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import { startGatewayProcess } from "../support/process.js";
import { startRedis, type TestRedis } from "../support/redis.js";

const A = "sk-sluice-cache-tenant-a";
const B = "sk-sluice-cache-tenant-b";
const tenants = `
tenants:
  - { id: a, keys: [ { id: a1, hash: "${hashApiKey(A)}" } ] }
  - { id: b, keys: [ { id: b1, hash: "${hashApiKey(B)}" } ] }`;

async function ask(url: string, key: string, content: string, opts: { stream?: boolean; system?: string; cache?: string } = {}) {
  const messages = [...(opts.system ? [{ role: "system", content: opts.system }] : []), { role: "user", content }];
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...(opts.cache ? { "x-sluice-cache": opts.cache } : {}) },
    body: JSON.stringify({ model: "echo", messages, stream: opts.stream ?? false, ...(opts.stream ? { stream_options: { include_usage: true } } : {}) }),
  });
  const text = await res.text();
  return { status: res.status, cache: res.headers.get("x-sluice-cache-status"), text, json: opts.stream ? undefined : JSON.parse(text) };
}

describe("response cache in one gateway", () => {
  let upstream: FakeOpenAI;
  let gateway: RunningGateway;
  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    gateway = await startTestGateway(`
providers: [ { id: fake, kind: openai, base_url: "${upstream.url}" } ]
models: [ { alias: echo, targets: [ { provider: fake, model: echo } ] } ]
cache: { semantic: { index: hnsw } }
${tenants}
`);
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it("answers a repeated question from the cache, whole and as a stream, with zero upstream tokens", async () => {
    const before = upstream.requests.length;
    const first = await ask(gateway.url, A, "What is the capital of France?");
    expect(first.cache).toBe("miss");
    await new Promise((r) => setTimeout(r, 100)); // the store is off the response path
    const second = await ask(gateway.url, A, "What is the capital of France?");
    expect(second.cache).toBe("hit_exact");
    expect(second.json.choices[0].message.content).toBe(first.json.choices[0].message.content);
    expect(second.json.usage.prompt_tokens).toBe(0);
    expect(upstream.requests.length).toBe(before + 1);

    const streamed = await ask(gateway.url, A, "What is the capital of France?", { stream: true });
    const events = streamed.text.split("\n\n").filter((e) => e.startsWith("data: {")).map((e) => JSON.parse(e.slice(6)));
    expect(events.map((e) => e.choices[0]?.delta?.content ?? "").join("")).toBe("What is the capital of France?");
    expect(events.at(-1).usage).toMatchObject({ prompt_tokens: 0, completion_tokens: 0 });
    expect(streamed.text.trim().endsWith("data: [DONE]")).toBe(true);
    expect(upstream.requests.length).toBe(before + 1);
  });

  it("a re-asked question with surface changes hits semantically; an unrelated one does not", async () => {
    await ask(gateway.url, A, "How do I reverse a list in Python?");
    await new Promise((r) => setTimeout(r, 100));
    const paraphrase = await ask(gateway.url, A, "how do I reverse a list in python");
    expect(paraphrase.cache).toBe("hit_semantic");
    const unrelated = await ask(gateway.url, A, "What is the boiling point of water at sea level?");
    expect(unrelated.cache).toBe("miss");
  });

  it("never crosses tenants or system prompts, and honours bypass", async () => {
    await ask(gateway.url, A, "Tell me a fact about owls.");
    await new Promise((r) => setTimeout(r, 100));
    expect((await ask(gateway.url, B, "Tell me a fact about owls.")).cache).toBe("miss");
    expect((await ask(gateway.url, A, "Tell me a fact about owls.", { system: "Answer in French." })).cache).toBe("miss");
    expect((await ask(gateway.url, A, "Tell me a fact about owls.", { cache: "bypass" })).cache).toBe("bypass");
    expect((await ask(gateway.url, A, "Tell me a fact about owls.")).cache).toBe("hit_exact");
  });

  it("gRPC streaming replays a hit with the cache status in the metadata", async () => {
    const client = createClient(GatewayService, createGrpcTransport({ baseUrl: gateway.url }));
    const req = create(ChatRequestSchema, { model: "echo", messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "What is the capital of France?" } }] }] });
    let last: ChatChunk | undefined;
    let text = "";
    for await (const c of client.chatStream(req, { headers: { authorization: `Bearer ${A}` } })) {
      text += c.textDelta;
      last = c;
    }
    expect(text).toBe("What is the capital of France?");
    expect(last?.metadata?.cacheStatus).toBe(CacheStatus.HIT_EXACT);
    expect(last?.metadata?.attempts).toBe(0);
  });
});

describe("response cache shared by two gateway processes through Redis", () => {
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

  it("a question answered through one replica hits through the other; Redis down means no cache, not failure", { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-cache-"));
    const file = join(dir, "sluice.yaml");
    const config = (dataDir: string) => `
redis: { url: "${redis.url}" }
data_dir: "${dataDir}"
providers: [ { id: fake, kind: openai, base_url: "${upstream.url}" } ]
models: [ { alias: echo, targets: [ { provider: fake, model: echo } ] } ]
cache: {}
${tenants}
`;
    writeFileSync(file, config(join(dir, "one")));
    const file2 = join(dir, "sluice2.yaml");
    writeFileSync(file2, config(join(dir, "two")));
    const [g1, g2] = await Promise.all([startGatewayProcess(["--config", file]), startGatewayProcess(["--config", file2])]);
    try {
      expect((await ask(g1.url, A, "Which planet is the largest?")).cache).toBe("miss");
      await expect.poll(async () => (await ask(g2.url, A, "Which planet is the largest?")).cache, { timeout: 5000, interval: 200 }).toBe("hit_exact");
      await expect.poll(async () => (await ask(g2.url, A, "which planet is the largest")).cache, { timeout: 5000, interval: 200 }).toBe("hit_semantic");
      expect((await ask(g2.url, B, "Which planet is the largest?")).cache).toBe("miss");

      await redis.kill();
      const down = await ask(g1.url, A, "Which planet is the largest?");
      expect(down.status).toBe(200);
      expect(down.cache).toBe("bypass");
    } finally {
      g1.child.kill("SIGTERM");
      g2.child.kill("SIGTERM");
      await Promise.all([g1.exited, g2.exited]);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { create } from "@bufbuild/protobuf";
import { EmbedRequestSchema, GatewayService } from "../../src/gen/sluice/v1/gateway_pb.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import { ProviderEmbedder } from "../../src/cache/provider-embedder.js";

let upstream: FakeOpenAI;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway(`
providers:
  - { id: mock, kind: mock }
  - { id: fake, kind: openai, base_url: "${upstream.url}" }
  - { id: claude, kind: anthropic, api_key: x, base_url: "${upstream.url}" }
models:
  - { alias: mock-embed, targets: [ { provider: mock, model: mock-embed } ] }
  - { alias: text-embedding-3-small, targets: [ { provider: fake, model: text-embedding-3-small } ] }
  - { alias: claude, targets: [ { provider: claude, model: claude-haiku-4-5 } ] }
`);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe("embeddings", () => {
  it("the openai SDK (base64 by default) gets the provider's vectors through the gateway", async () => {
    const res = await client.embeddings.create({ model: "text-embedding-3-small", input: ["hello", "embeddings"] });
    expect(res.data.map((d) => d.embedding)).toEqual([
      [5, 2, 1, 0],
      [10, 3, 1, 0],
    ]);
    expect(res.usage.prompt_tokens).toBe(4);
    expect(upstream.requests.at(-1)!.body).toMatchObject({ model: "text-embedding-3-small", input: ["hello", "embeddings"], encoding_format: "float" });
  });

  it("the mock provider embeds locally with the built-in lexical embedder", async () => {
    const res = await client.embeddings.create({ model: "mock-embed", input: "the quick brown fox", encoding_format: "float" });
    const v = res.data[0]!.embedding;
    expect(v).toHaveLength(384);
    expect(Math.hypot(...v)).toBeCloseTo(1, 4);
  });

  it("gRPC Embed gives the same vectors", async () => {
    const grpc = createClient(GatewayService, createGrpcTransport({ baseUrl: gateway.url }));
    const res = await grpc.embed(create(EmbedRequestSchema, { model: "text-embedding-3-small", inputs: ["hello"] }));
    expect(res.embeddings[0]!.values).toEqual([5, 2, 1, 0]);
    expect(res.provider).toBe("fake");
  });

  it("the cache's provider embedder can use the gateway's own /v1/embeddings", async () => {
    const embedder = new ProviderEmbedder({ baseUrl: `${gateway.url}/v1`, apiKey: "x", model: "text-embedding-3-small", dims: 4 } as never);
    const [v] = await embedder.embed(["hello"]);
    expect(Array.from(v!).length).toBe(4);
  });

  it("clear errors: a model without embeddings, bad input", async () => {
    const e1 = await client.embeddings.create({ model: "claude", input: "x" }).catch((e) => e);
    expect(e1.status).toBe(400);
    expect(e1.error.message).toContain("does not serve embeddings");
    const e2 = await client.embeddings.create({ model: "mock-embed", input: [] }).catch((e) => e);
    expect(e2.status).toBe(400);
    const e3 = await client.embeddings.create({ model: "nope", input: "x" }).catch((e) => e);
    expect(e3.status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ProviderConfigSchema } from "../../../../src/gen/sluice/v1/config_pb.js";
import { ChatRequestSchema, Role, type ChatChunk } from "../../../../src/gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../../../src/errors/sluice-error.js";
import type { ProviderAdapter } from "../../../../src/core/provider.js";
import { createAzureOpenAIAdapter } from "../../../../src/providers/azure-openai/adapter.js";
import { startFakeAzure, type FakeAzure } from "../../../support/fake-azure.js";

let fake: FakeAzure;
const adapters: ProviderAdapter[] = [];
beforeAll(async () => {
  fake = await startFakeAzure();
});
afterAll(async () => {
  await Promise.all(adapters.map((a) => a.close()));
  await fake.close();
});

function adapter(init: object = {}): ProviderAdapter {
  const a = createAzureOpenAIAdapter(create(ProviderConfigSchema, { id: "az", kind: "azure-openai", baseUrl: `${fake.url}/openai/`, apiKey: fake.apiKey, ...init } as never));
  adapters.push(a);
  return a;
}

const request = create(ChatRequestSchema, {
  model: "alias",
  messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hello azure" } }] }],
  params: { maxOutputTokens: 50, stop: [] },
} as never);

async function run(a: ProviderAdapter, model: string, stream: boolean): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of a.chat({ request, model, stream, signal: new AbortController().signal })) out.push(c);
  return out;
}

describe("azure-openai adapter on the wire", () => {
  it("posts to the deployment URL with api-version, the api-key header and no bearer token", async () => {
    const chunks = await run(adapter(), "echo", true);
    expect(chunks.map((c) => c.textDelta).join("")).toBe("hello azure");
    const sent = fake.requests.at(-1)!;
    expect(sent.deployment).toBe("echo");
    expect(sent.apiVersion).toBe("2024-10-21");
    expect(sent.headers["api-key"]).toBe(fake.apiKey);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body.max_completion_tokens).toBe(50);
    expect(sent.body.max_tokens).toBeUndefined();
    expect(sent.body.stream_options).toEqual({ include_usage: true });
  });

  it("uses max_tokens and leaves stream_options out for an older api_version", async () => {
    await run(adapter({ apiVersion: "2024-06-01" }), "echo", true);
    const sent = fake.requests.at(-1)!;
    expect(sent.apiVersion).toBe("2024-06-01");
    expect(sent.body.max_tokens).toBe(50);
    expect(sent.body.max_completion_tokens).toBeUndefined();
    expect(sent.body.stream_options).toBeUndefined();
  });

  it("answers whole (non-streaming)", async () => {
    const [chunk, ...rest] = await run(adapter(), "echo", false);
    expect(rest).toEqual([]);
    expect(chunk!.textDelta).toBe("hello azure");
    expect(fake.requests.at(-1)!.body.stream).toBeUndefined();
  });

  it("a wrong key is the gateway's problem: upstream_unavailable without Azure's text", async () => {
    const err = await run(adapter({ apiKey: "wrong" }), "echo", true).catch((e) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err.code).toBe("upstream_unavailable");
  });

  it("a throttled deployment is rate_limited with Azure's retry-after-ms", async () => {
    const err = await run(adapter(), "azure-throttled", true).catch((e) => e);
    expect(err).toMatchObject({ code: "rate_limited", retryAfterS: 6.5 });
  });

  it("a prompt refused by the content filter is upstream_rejected, naming the categories", async () => {
    const err = await run(adapter(), "azure-blocked", false).catch((e) => e);
    expect(err.code).toBe("upstream_rejected");
    expect(err.message).toContain("content filter: jailbreak, violence");
  });
});

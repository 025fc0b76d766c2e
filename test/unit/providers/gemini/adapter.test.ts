import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderConfigSchema } from "../../../../src/gen/sluice/v1/config_pb.js";
import { ChatRequestSchema, FinishReason, Role, type ChatChunk } from "../../../../src/gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../../../src/errors/sluice-error.js";
import { createGeminiAdapter } from "../../../../src/providers/gemini/adapter.js";
import type { ProviderAdapter } from "../../../../src/core/provider.js";
import { startFakeGemini, type FakeGemini } from "../../../support/fake-gemini.js";

let fake: FakeGemini;
let adapter: ProviderAdapter;
const request = create(ChatRequestSchema, { messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hi" } }] }] });
const longText = "Chats_Tests_sendMessage_Google_AI_with_text_stream";

beforeAll(async () => {
  fake = await startFakeGemini();
  adapter = createGeminiAdapter(create(ProviderConfigSchema, { id: "gem", kind: "gemini", baseUrl: fake.url, apiKey: "k" }));
});
afterAll(async () => {
  await adapter.close();
  await fake.close();
});

async function run(model: string, stream = true): Promise<{ chunks: ChatChunk[]; error: unknown }> {
  const chunks: ChatChunk[] = [];
  try {
    for await (const c of adapter.chat({ request, model, stream, signal: new AbortController().signal })) chunks.push(c);
    return { chunks, error: undefined };
  } catch (error) {
    return { chunks, error };
  }
}

describe("gemini adapter over HTTP", () => {
  it("calls the model's streamGenerateContent and generateContent URLs", async () => {
    await run("echo");
    expect(fake.requests.at(-1)).toMatchObject({ path: "/v1beta/models/echo:streamGenerateContent?alt=sse", headers: { "x-goog-api-key": "k" } });
    const whole = await run("echo", false);
    expect(whole.chunks).toHaveLength(1);
    expect(whole.chunks[0]!.finishReason).toBe(FinishReason.STOP);
    expect(fake.requests.at(-1)!.path).toBe("/v1beta/models/echo:generateContent");
  });

  it("reports a connection cut after content as stream_interrupted", async () => {
    const { chunks, error } = await run(`cut:${longText}:3`);
    expect(chunks.length).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe("stream_interrupted");
  });

  it("maps an in-band error event before content to a retryable failure", async () => {
    const { chunks, error } = await run("inband-error");
    expect(chunks).toEqual([]);
    expect((error as SluiceError).code).toBe("upstream_unavailable");
    expect((error as SluiceError).message).toContain("overloaded");
  });

  it("maps HTTP statuses through the one table", async () => {
    expect(((await run("status:429")).error as SluiceError).code).toBe("rate_limited");
    expect(((await run("status:400", false)).error as SluiceError).code).toBe("upstream_rejected");
    expect(((await run("status:403", false)).error as SluiceError).code).toBe("upstream_unavailable");
  });
});

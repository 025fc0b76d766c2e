import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderConfigSchema } from "../../../../src/gen/sluice/v1/config_pb.js";
import { ChatRequestSchema, Role, type ChatChunk } from "../../../../src/gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../../../src/errors/sluice-error.js";
import { createAnthropicAdapter } from "../../../../src/providers/anthropic/adapter.js";
import type { ProviderAdapter } from "../../../../src/core/provider.js";
import { startFakeAnthropic, type FakeAnthropic } from "../../../support/fake-anthropic.js";

let fake: FakeAnthropic;
let adapter: ProviderAdapter;
const request = create(ChatRequestSchema, { messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hi" } }] }] });

beforeAll(async () => {
  fake = await startFakeAnthropic();
  adapter = createAnthropicAdapter(
    create(ProviderConfigSchema, { id: "claude", kind: "anthropic", baseUrl: fake.url, apiKey: "k", apiVersion: "2099-01-01", headers: { "anthropic-beta": "x-1" } }),
  );
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

describe("anthropic adapter over HTTP", () => {
  it("sends the configured api version and extra headers", async () => {
    await run("echo");
    expect(fake.requests.at(-1)!.headers).toMatchObject({ "anthropic-version": "2099-01-01", "anthropic-beta": "x-1", "x-api-key": "k" });
  });

  it("reports a connection cut after content as stream_interrupted", async () => {
    const { chunks, error } = await run("cut:tool_use_response:6");
    expect(chunks.map((c) => c.textDelta).join("")).toBe("I'll check the current weather in Paris for you.");
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe("stream_interrupted");
  });

  it("keeps an error event before content retryable", async () => {
    const { chunks, error } = await run("stream-error");
    expect(chunks).toEqual([]);
    expect((error as SluiceError).code).toBe("upstream_unavailable");
  });

  it("maps HTTP statuses through the one table", async () => {
    expect(((await run("status:429")).error as SluiceError).code).toBe("rate_limited");
    expect(((await run("status:400", false)).error as SluiceError).code).toBe("upstream_rejected");
    expect(((await run("status:529", false)).error as SluiceError).code).toBe("upstream_unavailable");
  });
});

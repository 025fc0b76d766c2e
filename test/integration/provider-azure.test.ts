import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { ChatRequestSchema, FinishReason, GatewayService, Role } from "../../src/gen/sluice/v1/gateway_pb.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { fixtureText } from "../support/fake-openai.js";
import { azureFixture, startFakeAzure, type FakeAzure } from "../support/fake-azure.js";
import { startTestGateway } from "../support/gateway.js";

/**
 * The whole gateway in front of a fake Azure OpenAI resource (deployment URLs, api-key,
 * content-filter annotations), called with the openai SDK and Connect / gRPC clients.
 */
let upstream: FakeAzure;
let gateway: RunningGateway;
let openai: OpenAI;

beforeAll(async () => {
  upstream = await startFakeAzure({ apiKey: "azure-integration-key" });
  gateway = await startTestGateway(`
providers:
  - { id: azure, kind: azure-openai, base_url: "${upstream.url}", api_key: azure-integration-key }
  - { id: azure-old, kind: azure-openai, base_url: "${upstream.url}", api_key: azure-integration-key, api_version: "2024-06-01" }
models:
  - { alias: az-filtered, targets: [ { provider: azure, model: "azure-fixture:filtered_stream" } ] }
  - { alias: az-cut, targets: [ { provider: azure, model: "azure-fixture:content_filter_finish" } ] }
  - { alias: az-recorded, targets: [ { provider: azure, model: "fixture:works" } ] }
  - { alias: az-tools, targets: [ { provider: azure, model: "fixture:tool_calls" } ] }
  - { alias: az-echo, targets: [ { provider: azure, model: echo } ] }
  - { alias: az-old, targets: [ { provider: azure-old, model: echo } ] }
  - { alias: az-blocked, targets: [ { provider: azure, model: azure-blocked } ] }
  - { alias: az-throttled, targets: [ { provider: azure, model: azure-throttled } ] }
`);
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused-without-keys", maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

describe("openai SDK -> gateway -> azure-openai", () => {
  it("streams through Azure's content-filter annotations: no empty-choice chunks reach the client", async () => {
    const want = JSON.parse(azureFixture("filtered_stream.expected.json"));
    const stream = await openai.chat.completions.create({ model: "az-filtered", messages: [{ role: "user", content: "hello" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let finish: string | null = null;
    let usage;
    for await (const chunk of stream) {
      if (!chunk.usage) expect(chunk.choices.length).toBe(1); // the SDK user can index choices[0]
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(want.text);
    expect(finish).toBe("stop");
    expect(usage).toMatchObject(want.usage);
    const sent = upstream.requests.at(-1)!;
    expect(sent).toMatchObject({ deployment: "azure-fixture:filtered_stream", apiVersion: "2024-10-21" });
    expect(sent.headers["api-key"]).toBe("azure-integration-key");
  });

  it("passes an output-filtered answer on with finish_reason content_filter", async () => {
    const final = await openai.chat.completions.stream({ model: "az-cut", messages: [{ role: "user", content: "x" }] }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe("Here is how to");
    expect(final.choices[0]!.finish_reason).toBe("content_filter");
  });

  it("replays a recorded OpenAI stream served from a deployment", async () => {
    const want = JSON.parse(fixtureText("works.expected.json")).derived_by_corpus_builder;
    const final = await openai.chat.completions.stream({ model: "az-recorded", messages: [{ role: "user", content: "x" }], stream_options: { include_usage: true } }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe(want.choices[0].content);
    expect(final.usage).toMatchObject(want.usage);
  });

  it("streams tool calls", async () => {
    const want = JSON.parse(fixtureText("tool_calls.expected.json")).derived_by_corpus_builder;
    const final = await openai.chat.completions
      .stream({
        model: "az-tools",
        messages: [{ role: "user", content: "weather and time in Paris?" }],
        tools: [
          { type: "function", function: { name: "get_weather", parameters: { type: "object" } } },
          { type: "function", function: { name: "get_time", parameters: { type: "object" } } },
        ],
      })
      .finalChatCompletion();
    expect(final.choices[0]!.message.tool_calls!.map((c: any) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }))).toEqual(want.choices[0].tool_calls);
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(upstream.requests.at(-1)!.body.tools.map((t: any) => t.function.name)).toEqual(["get_weather", "get_time"]);
  });

  it("answers whole, sending max_completion_tokens (or max_tokens on an older api_version)", async () => {
    const completion = await openai.chat.completions.create({ model: "az-echo", messages: [{ role: "user", content: "whole please" }], max_tokens: 20 });
    expect(completion.choices[0]!.message.content).toBe("whole please");
    expect(upstream.requests.at(-1)!.body).toMatchObject({ max_completion_tokens: 20 });
    await openai.chat.completions.create({ model: "az-old", messages: [{ role: "user", content: "old" }], max_tokens: 20 });
    const old = upstream.requests.at(-1)!;
    expect(old.apiVersion).toBe("2024-06-01");
    expect(old.body).toMatchObject({ max_tokens: 20 });
    expect(old.body.max_completion_tokens).toBeUndefined();
  });

  it("a prompt refused by Azure's content filter is a 400 that says which filter fired", async () => {
    const err = await openai.chat.completions.create({ model: "az-blocked", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((err as Error).message).toMatch(/content filter: jailbreak, violence/);
  });

  it("a throttled deployment is a 429 carrying Azure's wait", async () => {
    const err = await openai.chat.completions.create({ model: "az-throttled", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
    expect(Number((err as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after"))).toBe(7); // 6.5 s, rounded up
  });
});

describe.each([
  ["gRPC", (url: string) => createGrpcTransport({ baseUrl: url })],
  ["Connect", (url: string) => createConnectTransport({ baseUrl: url, httpVersion: "1.1" })],
])("%s client -> gateway -> azure-openai", (_name, transport) => {
  let client: Client<typeof GatewayService>;
  beforeAll(() => {
    client = createClient(GatewayService, transport(gateway.url));
  });
  const ask = (model: string) => create(ChatRequestSchema, { model, messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hi from grpc" } }] }] });

  it("ChatStream through the content-filter annotations", async () => {
    const chunks = [];
    for await (const chunk of client.chatStream(ask("az-filtered"))) chunks.push(chunk);
    expect(chunks.map((c) => c.textDelta).join("")).toBe("Azure says hello.");
    expect(chunks[0]!.role).toBe(Role.ASSISTANT);
    expect(chunks.filter((c) => c.finishReason !== FinishReason.UNSPECIFIED).map((c) => c.finishReason)).toEqual([FinishReason.STOP]);
  });

  it("Chat", async () => {
    const res = await client.chat(ask("az-echo"));
    expect(res.message!.content[0]!.part.value).toBe("hi from grpc");
    expect(res.metadata?.provider).toBe("azure");
  });

  it("a filtered prompt is InvalidArgument", async () => {
    const err = await client.chat(ask("az-blocked")).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
  });
});

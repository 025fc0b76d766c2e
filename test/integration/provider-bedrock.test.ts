import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { ChatRequestSchema, FinishReason, GatewayService, Role, ToolChoiceMode } from "../../src/gen/sluice/v1/gateway_pb.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startFakeBedrock, type FakeBedrock } from "../support/fake-bedrock.js";
import { startTestGateway } from "../support/gateway.js";

/**
 * The whole gateway in front of a fake Bedrock runtime that serves the recorded ConverseStream
 * bytes and checks each request's SigV4 signature; called with the openai SDK and Connect /
 * gRPC clients.
 */
const fixtures = fileURLToPath(new URL("../fixtures/bedrock/converse_stream/", import.meta.url));
const expected = (name: string) => JSON.parse(readFileSync(`${fixtures}${name}.expected.json`, "utf8")).derived_by_corpus_builder;

let upstream: FakeBedrock;
let gateway: RunningGateway;
let openai: OpenAI;

beforeAll(async () => {
  upstream = await startFakeBedrock({ region: "ap-northeast-1", accessKeyId: "AKIDINTEGRATION", secretAccessKey: "integration/secret" });
  gateway = await startTestGateway(`
providers:
  - id: aws
    kind: bedrock
    base_url: "${upstream.url}"
    region: ap-northeast-1
    aws: { access_key_id: AKIDINTEGRATION, secret_access_key: integration/secret }
  - id: aws-wrong-key
    kind: bedrock
    base_url: "${upstream.url}"
    region: ap-northeast-1
    aws: { access_key_id: AKIDINTEGRATION, secret_access_key: not-the-secret }
models:
  - { alias: br-text, targets: [ { provider: aws, model: "fixture:amazon-bedrock-text" } ] }
  - { alias: br-tools, targets: [ { provider: aws, model: "fixture:amazon-bedrock-json-tool-text-then-weather-then-json.1" } ] }
  - { alias: br-echo, targets: [ { provider: aws, model: echo } ] }
  - { alias: br-weather, targets: [ { provider: aws, model: "tool:get_weather" } ] }
  - { alias: br-throttled, targets: [ { provider: aws, model: "exception:throttlingException" } ] }
  - { alias: br-failover, targets: [ { provider: aws, model: "exception:throttlingException" }, { provider: aws, model: echo } ] }
  - { alias: br-midstream, targets: [ { provider: aws, model: stream-error } ] }
  - { alias: br-badcrc, targets: [ { provider: aws, model: "badcrc:amazon-bedrock-text" } ] }
  - { alias: br-unsigned, targets: [ { provider: aws-wrong-key, model: echo } ] }
  - { alias: br-cut, targets: [ { provider: aws, model: "cut:amazon-bedrock-text:600" } ] }
  - { alias: br-html, targets: [ { provider: aws, model: html } ] }
  - { alias: br-colon, targets: [ { provider: aws, model: "echo:anthropic.claude-3-5-haiku-20241022-v1:0" } ] }
`);
  openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused-without-keys", maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

describe("openai SDK -> gateway -> bedrock", () => {
  it("streams a recorded ConverseStream answer: text, finish reason and usage", async () => {
    const want = expected("amazon-bedrock-text");
    const stream = openai.chat.completions.stream({ model: "br-text", messages: [{ role: "user", content: "count the r's" }], stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe(want.text);
    expect(final.choices[0]!.finish_reason).toBe("stop");
    expect(final.usage).toMatchObject({ prompt_tokens: want.usage.inputTokens, completion_tokens: want.usage.outputTokens });

    // The gateway called ConverseStream, signed for bedrock in the configured region.
    const sent = upstream.requests.at(-1)!;
    expect(sent).toMatchObject({ modelId: "fixture:amazon-bedrock-text", action: "converse-stream" });
    expect(sent.signature).toEqual({ valid: true, service: "bedrock", region: "ap-northeast-1" });
    expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDINTEGRATION\/\d{8}\/ap-northeast-1\/bedrock\/aws4_request/);
    expect(sent.body.messages).toEqual([{ role: "user", content: [{ text: "count the r's" }] }]);
  });

  it("answers the same recording whole (Converse) when the caller does not stream", async () => {
    const want = expected("amazon-bedrock-text");
    const completion = await openai.chat.completions.create({ model: "br-text", messages: [{ role: "user", content: "count" }] });
    expect(completion.choices[0]!.message.content).toBe(want.text);
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(completion.usage).toMatchObject({ prompt_tokens: 22, completion_tokens: 55, total_tokens: 77 });
    expect(completion.id).toBe("fake-request-id"); // Bedrock's x-amzn-requestid
    expect(upstream.requests.at(-1)).toMatchObject({ action: "converse", signature: { valid: true } });
  });

  it("streams recorded text + two tool calls, and sends the tools as Converse toolConfig", async () => {
    const want = expected("amazon-bedrock-json-tool-text-then-weather-then-json.1");
    const stream = openai.chat.completions.stream({
      model: "br-tools",
      messages: [{ role: "user", content: "2+2, then weather" }],
      tools: [{ type: "function", function: { name: "weather", description: "Weather now", parameters: { type: "object", properties: { location: { type: "string" } } } } }],
      tool_choice: "required",
    });
    const final = await stream.finalChatCompletion();
    const message = final.choices[0]!.message;
    expect(message.content).toBe(want.text);
    expect(message.tool_calls!.map((c: any) => ({ id: c.id, name: c.function.name, input: JSON.parse(c.function.arguments) }))).toEqual(
      want.tool_uses.map((t: any) => ({ id: t.toolUseId, name: t.name, input: t.input_parsed })),
    );
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(upstream.requests.at(-1)!.body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: "weather", description: "Weather now", inputSchema: { json: { type: "object", properties: { location: { type: "string" } } } } } }],
      toolChoice: { any: {} },
    });
  });

  it("answers a tool call whole, reports cache tokens the OpenAI way, and sends tool results back as toolResult", async () => {
    const completion = await openai.chat.completions.create({
      model: "br-weather",
      messages: [
        { role: "user", content: "weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "call_0", content: '{"temp_c": 21}' },
      ],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
    });
    const call = completion.choices[0]!.message.tool_calls![0]! as any;
    expect(call).toMatchObject({ id: "tooluse_fake_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } });
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    // Bedrock: inputTokens 40 + cacheRead 30 + cacheWrite 2.
    expect(completion.usage).toMatchObject({ prompt_tokens: 72, completion_tokens: 12, prompt_tokens_details: { cached_tokens: 30 } });
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.messages).toEqual([
      { role: "user", content: [{ text: "weather in Paris?" }] },
      { role: "assistant", content: [{ toolUse: { toolUseId: "call_0", name: "get_weather", input: { city: "Paris" } } }] },
      { role: "user", content: [{ toolResult: { toolUseId: "call_0", content: [{ text: '{"temp_c": 21}' }] } }] },
    ]);
  });

  it("sends a model id with ':' in the URL path, signed correctly", async () => {
    await openai.chat.completions.create({ model: "br-colon", messages: [{ role: "user", content: "x" }] });
    expect(upstream.requests.at(-1)).toMatchObject({ modelId: "echo:anthropic.claude-3-5-haiku-20241022-v1:0", signature: { valid: true } });
  });

  it("a throttlingException frame before any content is a 429 for the client", async () => {
    const err = await openai.chat.completions.create({ model: "br-throttled", messages: [{ role: "user", content: "x" }], stream: true }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
  });

  it("a throttled first target fails over to the next one, invisibly to the client", async () => {
    const stream = openai.chat.completions.stream({ model: "br-failover", messages: [{ role: "user", content: "still answered" }] });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe("still answered");
  });

  it("an exception frame after content ends the stream with an error, after the partial text", async () => {
    const stream = await openai.chat.completions.create({ model: "br-midstream", messages: [{ role: "user", content: "x" }], stream: true });
    let text = "";
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e) => e);
    expect(text).toBe("partial answer");
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toMatch(/Model Stream Error|stream/i);
  });

  it("a frame with a bad CRC ends in a clear error, not a hang", async () => {
    const err = await (async () => {
      const stream = await openai.chat.completions.create({ model: "br-badcrc", messages: [{ role: "user", content: "x" }], stream: true });
      for await (const _ of stream);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toMatch(/checksum/);
  });

  it("a connection reset mid-stream ends the stream with an error after the text sent so far", async () => {
    const stream = await openai.chat.completions.create({ model: "br-cut", messages: [{ role: "user", content: "x" }], stream: true });
    let text = "";
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(expected("amazon-bedrock-text").text.startsWith(text)).toBe(true);
    expect(text.length).toBeGreaterThan(0);
  });

  it("a 200 that is not an event stream is a 502 before any byte reaches the client", async () => {
    const err = await openai.chat.completions.create({ model: "br-html", messages: [{ role: "user", content: "x" }], stream: true }).catch((e) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as Error).message).toMatch(/content type text\/html/);
  });

  it("a request the fake cannot verify (wrong secret) is refused upstream: the client sees 502, not AWS's text", async () => {
    const err = await openai.chat.completions.create({ model: "br-unsigned", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(upstream.requests.at(-1)!.signature).toMatchObject({ valid: false, problem: "signature mismatch" });
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });
});

describe.each([
  ["gRPC", (url: string) => createGrpcTransport({ baseUrl: url })],
  ["Connect", (url: string) => createConnectTransport({ baseUrl: url, httpVersion: "1.1" })],
])("%s client -> gateway -> bedrock", (_name, transport) => {
  let client: Client<typeof GatewayService>;
  beforeAll(() => {
    client = createClient(GatewayService, transport(gateway.url));
  });

  it("ChatStream replays the recorded answer", async () => {
    const want = expected("amazon-bedrock-text");
    let text = "";
    let finish = FinishReason.UNSPECIFIED;
    let usage;
    for await (const chunk of client.chatStream(create(ChatRequestSchema, { model: "br-text", messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "r?" } }] }] }))) {
      text += chunk.textDelta;
      if (chunk.finishReason) finish = chunk.finishReason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(want.text);
    expect(finish).toBe(FinishReason.STOP);
    expect(usage).toMatchObject({ inputTokens: 22, outputTokens: 55 });
  });

  it("Chat answers a tool call", async () => {
    const res = await client.chat(
      create(ChatRequestSchema, {
        model: "br-weather",
        messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "weather?" } }] }],
        tools: [{ name: "get_weather", parametersJson: '{"type":"object"}' }],
        toolChoice: { choice: { case: "mode", value: ToolChoiceMode.REQUIRED } },
      }),
    );
    expect(res.finishReason).toBe(FinishReason.TOOL_CALLS);
    expect(res.message!.toolCalls[0]).toMatchObject({ id: "tooluse_fake_1", name: "get_weather", argumentsJson: '{"city":"Paris"}' });
    expect(res.usage).toMatchObject({ inputTokens: 72, cachedInputTokens: 30, cacheWriteTokens: 2 });
    expect(res.metadata?.provider).toBe("aws");
  });

  it("a throttled stream is ResourceExhausted", async () => {
    const err = await (async () => {
      for await (const _ of client.chatStream(create(ChatRequestSchema, { model: "br-throttled", messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "x" } }] }] })));
    })().catch((e) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.ResourceExhausted);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { ChatRequestSchema, FinishReason, GatewayService, Role, type ChatChunk } from "../../src/gen/sluice/v1/gateway_pb.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { geminiFixture, startFakeGemini, type FakeGemini } from "../support/fake-gemini.js";

/** The whole gateway in front of a fake Gemini upstream, called as its users call it. */
let upstream: FakeGemini;
let gateway: RunningGateway;
let client: OpenAI;
const recorded = "Chats_Tests_sendMessage_Google_AI_with_text_stream";

beforeAll(async () => {
  upstream = await startFakeGemini();
  gateway = await startTestGateway(`
providers:
  - { id: gem, kind: gemini, base_url: "${upstream.url}", api_key: gm-upstream-secret }
models:
  - { alias: gem-hang, targets: [ { provider: gem, model: hang } ] }
  - { alias: gem-echo, targets: [ { provider: gem, model: echo } ] }
  - { alias: gem-tools, targets: [ { provider: gem, model: "fixture:sluice_get_weather" } ] }
  - { alias: gem-recorded, targets: [ { provider: gem, model: "fixture:${recorded}" } ] }
  - { alias: gem-down, targets: [ { provider: gem, model: "status:503" } ] }
  - { alias: gem-bad, targets: [ { provider: gem, model: "status:400" } ] }
  - { alias: gem-inband, targets: [ { provider: gem, model: "inband-error" } ] }
`);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused-without-keys", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe("openai SDK -> gateway -> gemini", () => {
  it("answers whole, with systemInstruction, generationConfig and the x-goog-api-key header", async () => {
    const completion = await client.chat.completions.create({
      model: "gem-echo",
      messages: [
        { role: "system", content: "You echo." },
        { role: "user", content: "hello gemini" },
      ],
      temperature: 0.5,
      max_tokens: 64,
    });
    expect(completion.choices[0]!.message.content).toBe("hello gemini");
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    // Thinking tokens are output: 3 candidates + 4 thoughts.
    expect(completion.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 2 } });

    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1beta/models/echo:generateContent");
    expect(sent.headers["x-goog-api-key"]).toBe("gm-upstream-secret");
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      systemInstruction: { parts: [{ text: "You echo." }] },
      contents: [{ role: "user", parts: [{ text: "hello gemini" }] }],
      generationConfig: { temperature: 0.5, maxOutputTokens: 64 },
    });
  });

  it("streams text with usage over streamGenerateContent?alt=sse", async () => {
    const stream = await client.chat.completions.create({
      model: "gem-echo",
      messages: [{ role: "user", content: "stream me please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("stream me please");
    expect(usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 7 });
    expect(upstream.requests.at(-1)!.path).toBe("/v1beta/models/echo:streamGenerateContent?alt=sse");
  });

  it("replays a recorded Gemini stream to the expected text", async () => {
    const expected = JSON.parse(geminiFixture(`${recorded}.expected.json`)).derived_by_corpus_builder;
    const final = await client.chat.completions.stream({ model: "gem-recorded", messages: [{ role: "user", content: "replay" }] }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe(expected.text);
    expect(final.choices[0]!.finish_reason).toBe("stop");
    expect(final.model).toBe(expected.model_version);
  });

  it("streams function calls as tool calls (finishReason STOP becomes tool_calls), sending functionDeclarations", async () => {
    const final = await client.chat.completions
      .stream({
        model: "gem-tools",
        messages: [{ role: "user", content: "weather and time in Paris?" }],
        tools: [
          { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } },
          { type: "function", function: { name: "get_time", parameters: { type: "object", properties: { tz: { type: "string" } } } } },
        ],
        tool_choice: { type: "function", function: { name: "get_weather" } },
      })
      .finalChatCompletion();
    const choice = final.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBe("Let me look that up.");
    expect(choice.message.tool_calls!.map((c: any) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }))).toEqual([
      { id: "call_0", name: "get_weather", arguments: '{"city":"Paris"}' },
      { id: "call_1", name: "get_time", arguments: '{"tz":"Europe/Paris"}' },
    ]);
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.tools).toEqual([
      {
        functionDeclarations: [
          { name: "get_weather", parametersJsonSchema: { type: "object", properties: { city: { type: "string" } } } },
          { name: "get_time", parametersJsonSchema: { type: "object", properties: { tz: { type: "string" } } } },
        ],
      },
    ]);
    expect(sent.toolConfig).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } });
  });

  it("answers tool calls whole and sends tool results back as named functionResponse parts", async () => {
    const completion = await client.chat.completions.create({
      model: "gem-tools",
      messages: [
        { role: "user", content: "weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "call_0", content: '{"temp_c": 21}' },
      ],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
    });
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect((completion.choices[0]!.message.tool_calls![0] as any).function).toEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(upstream.requests.at(-1)!.body.contents.slice(1)).toEqual([
      { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }] },
      { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { temp_c: 21 } } }] },
    ]);
  });

  it("maps Gemini errors through the status table", async () => {
    const down = await client.chat.completions.create({ model: "gem-down", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(down).toBeInstanceOf(OpenAI.APIError);
    expect(down.status).toBe(502);
    const bad = await client.chat.completions.create({ model: "gem-bad", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(bad.status).toBe(400);
    expect(bad.error?.code).toBe("upstream_rejected");
    expect(bad.message).toContain("fake upstream says 400");
    const inband = await client.chat.completions.create({ model: "gem-inband", messages: [{ role: "user", content: "x" }], stream: true }).catch((e) => e);
    expect(inband).toBeInstanceOf(OpenAI.APIError);
    expect(inband.status).toBe(502);
  });

  it("closes the upstream request when the client goes away", async () => {
    const before = upstream.abortedByClient;
    const controller = new AbortController();
    const pending = client.chat.completions
      .create({ model: "gem-hang", messages: [{ role: "user", content: "x" }], stream: true }, { signal: controller.signal })
      .catch((e) => e);
    await new Promise((r) => setTimeout(r, 150));
    controller.abort();
    await pending;
    const deadline = Date.now() + 3000;
    while (upstream.abortedByClient === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(upstream.abortedByClient).toBe(before + 1);
  });
});

describe("Connect / gRPC clients -> gateway -> gemini", () => {
  const request = create(ChatRequestSchema, {
    model: "gem-echo",
    messages: [
      { role: Role.DEVELOPER, content: [{ part: { case: "text", value: "Be terse." } }] },
      { role: Role.USER, content: [{ part: { case: "text", value: "hello over grpc" } }] },
    ],
  });

  it("gRPC ChatStream", async () => {
    const rpc = createClient(GatewayService, createGrpcTransport({ baseUrl: gateway.url }));
    const chunks: ChatChunk[] = [];
    for await (const chunk of rpc.chatStream(request)) chunks.push(chunk);
    expect(chunks.map((c) => c.textDelta).join("")).toBe("hello over grpc");
    expect(chunks.filter((c) => c.finishReason === FinishReason.STOP)).toHaveLength(1);
    expect(chunks.at(-1)!.usage).toMatchObject({ inputTokens: 6, cachedInputTokens: 2, outputTokens: 7, reasoningTokens: 4 });
    expect(chunks.at(-1)!.metadata?.provider).toBe("gem");
    expect(upstream.requests.at(-1)!.body.systemInstruction).toEqual({ parts: [{ text: "Be terse." }] });
  });

  it("Connect unary Chat", async () => {
    const rpc = createClient(GatewayService, createConnectTransport({ baseUrl: gateway.url, httpVersion: "1.1" }));
    const res = await rpc.chat(request);
    expect(res.message?.content[0]?.part).toEqual({ case: "text", value: "hello over grpc" });
    expect(res.finishReason).toBe(FinishReason.STOP);
    expect(res.usage).toMatchObject({ inputTokens: 6, outputTokens: 7 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { ChatRequestSchema, FinishReason, GatewayService, Role, type ChatChunk } from "../../src/gen/sluice/v1/gateway_pb.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { startFakeAnthropic, type FakeAnthropic } from "../support/fake-anthropic.js";

/** The whole gateway in front of a fake Anthropic upstream, called as its users call it. */
let upstream: FakeAnthropic;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeAnthropic();
  gateway = await startTestGateway(`
providers:
  - { id: claude, kind: anthropic, base_url: "${upstream.url}", api_key: sk-ant-upstream-secret, api_version: "2023-06-01" }
  - { id: claude-thinking, kind: anthropic, base_url: "${upstream.url}", api_key: sk-ant-upstream-secret, reasoning: pass }
models:
  - { alias: claude-hang, targets: [ { provider: claude, model: hang } ] }
  - { alias: claude-echo, targets: [ { provider: claude, model: echo } ] }
  - { alias: claude-tools, targets: [ { provider: claude, model: "fixture:tool_use_response" } ] }
  - { alias: claude-refusal, targets: [ { provider: claude-thinking, model: "fixture:stream-a-refusal" } ] }
  - { alias: claude-overloaded, targets: [ { provider: claude, model: "status:529" } ] }
  - { alias: claude-stream-error, targets: [ { provider: claude, model: "stream-error" } ] }
`);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused-without-keys", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe("openai SDK -> gateway -> anthropic", () => {
  it("answers whole, with the system prompt moved to top-level system and Anthropic's headers", async () => {
    const completion = await client.chat.completions.create({
      model: "claude-echo",
      messages: [
        { role: "system", content: "You echo." },
        { role: "user", content: "hello claude" },
      ],
    });
    expect(completion.choices[0]!.message.content).toBe("hello claude");
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    // input 5 + cache read 2 + cache write 1: cached tokens counted inside prompt tokens.
    expect(completion.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 2 } });

    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    expect(sent.headers["x-api-key"]).toBe("sk-ant-upstream-secret");
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body.system).toEqual([{ type: "text", text: "You echo." }]);
    expect(sent.body.messages).toEqual([{ role: "user", content: [{ type: "text", text: "hello claude" }] }]);
    expect(sent.body.max_tokens).toBe(4096);
    expect(sent.body.stream).toBeUndefined();
  });

  it("streams text with usage", async () => {
    const stream = await client.chat.completions.create({
      model: "claude-echo",
      messages: [{ role: "user", content: "stream me" }],
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("stream me");
    expect(usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 3 });
    expect(upstream.requests.at(-1)!.body).toMatchObject({ stream: true, max_tokens: 50 });
  });

  it("streams recorded tool calls, sending tools as input_schema", async () => {
    const stream = client.chat.completions.stream({
      model: "claude-tools",
      messages: [{ role: "user", content: "weather in Paris?" }],
      tools: [{ type: "function", function: { name: "get_weather", description: "Weather now", parameters: { type: "object", properties: { location: { type: "string" } } } } }],
      tool_choice: "required",
    });
    const final = await stream.finalChatCompletion();
    const choice = final.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBe("I'll check the current weather in Paris for you.");
    const call = choice.message.tool_calls![0] as any;
    expect(call).toMatchObject({ id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", type: "function", function: { name: "get_weather", arguments: '{"location": "Paris"}' } });
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.tools).toEqual([{ name: "get_weather", description: "Weather now", input_schema: { type: "object", properties: { location: { type: "string" } } } }]);
    expect(sent.tool_choice).toEqual({ type: "any" });
  });

  it("answers tool calls whole and sends tool results back as one user turn", async () => {
    const completion = await client.chat.completions.create({
      model: "claude-tools",
      messages: [
        { role: "user", content: "weather and time in Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "toolu_a", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris"}' } },
            { id: "toolu_b", type: "function", function: { name: "get_time", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_a", content: '{"temp_c": 21}' },
        { role: "tool", tool_call_id: "toolu_b", content: "14:00" },
      ],
      tools: [
        { type: "function", function: { name: "get_weather", parameters: { type: "object" } } },
        { type: "function", function: { name: "get_time", parameters: { type: "object" } } },
      ],
    });
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect((completion.choices[0]!.message.tool_calls![0] as any).function).toEqual({ name: "get_weather", arguments: '{"location":"Paris"}' });
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "toolu_a", name: "get_weather", input: { location: "Paris" } },
          { type: "tool_use", id: "toolu_b", name: "get_time", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_a", content: '{"temp_c": 21}' },
          { type: "tool_result", tool_use_id: "toolu_b", content: "14:00" },
        ],
      },
    ]);
  });

  it("an OpenAI-SDK client's cache_control on a content part reaches Anthropic as a caching breakpoint", async () => {
    const part = { type: "text", text: "A long product manual.", cache_control: { type: "ephemeral" } } as OpenAI.Chat.ChatCompletionContentPartText;
    await client.chat.completions.create({ model: "claude-echo", messages: [{ role: "system", content: [part] }, { role: "user", content: "hi" }] });
    expect(upstream.requests.at(-1)!.body.system).toEqual([{ type: "text", text: "A long product manual.", cache_control: { type: "ephemeral" } }]);
  });

  it("turns a 529 overloaded answer into a clear 502 error", async () => {
    const err = await client.chat.completions.create({ model: "claude-overloaded", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(502);
    expect(err.error?.code).toBe("upstream_unavailable");
  });

  it("treats an in-stream error before any content as a clean failure", async () => {
    const err = await client.chat.completions.create({ model: "claude-stream-error", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(502);
  });

  it("closes the upstream request when the client goes away", async () => {
    const before = upstream.abortedByClient;
    const controller = new AbortController();
    const pending = client.chat.completions
      .create({ model: "claude-hang", messages: [{ role: "user", content: "x" }], stream: true }, { signal: controller.signal })
      .catch((e) => e);
    await new Promise((r) => setTimeout(r, 150));
    controller.abort();
    await pending;
    const deadline = Date.now() + 3000;
    while (upstream.abortedByClient === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(upstream.abortedByClient).toBe(before + 1);
  });
});

describe("Connect / gRPC clients -> gateway -> anthropic", () => {
  const request = create(ChatRequestSchema, {
    model: "claude-echo",
    messages: [
      { role: Role.SYSTEM, content: [{ part: { case: "text", value: "Be terse." } }] },
      { role: Role.USER, content: [{ part: { case: "text", value: "hello over grpc" } }] },
    ],
  });

  it("gRPC ChatStream", async () => {
    const rpc = createClient(GatewayService, createGrpcTransport({ baseUrl: gateway.url }));
    const chunks: ChatChunk[] = [];
    for await (const chunk of rpc.chatStream(request)) chunks.push(chunk);
    expect(chunks.map((c) => c.textDelta).join("")).toBe("hello over grpc");
    expect(chunks.filter((c) => c.finishReason === FinishReason.STOP)).toHaveLength(1);
    expect(chunks.at(-1)!.usage).toMatchObject({ inputTokens: 8, cachedInputTokens: 2, cacheWriteTokens: 1, outputTokens: 3 });
    expect(chunks.at(-1)!.metadata?.provider).toBe("claude");
    expect(upstream.requests.at(-1)!.body.system).toEqual([{ type: "text", text: "Be terse." }]);
  });

  it("Connect unary Chat", async () => {
    const rpc = createClient(GatewayService, createConnectTransport({ baseUrl: gateway.url, httpVersion: "1.1" }));
    const res = await rpc.chat(request);
    expect(res.message?.content[0]?.part).toEqual({ case: "text", value: "hello over grpc" });
    expect(res.finishReason).toBe(FinishReason.STOP);
    expect(res.metadata?.provider).toBe("claude");
  });

  it("passes thinking as reasoning and reports a refusal, when the provider says reasoning: pass", async () => {
    const rpc = createClient(GatewayService, createGrpcTransport({ baseUrl: gateway.url }));
    const chunks: ChatChunk[] = [];
    for await (const chunk of rpc.chatStream(create(ChatRequestSchema, { ...request, model: "claude-refusal" }))) chunks.push(chunk);
    expect(chunks.map((c) => c.textDelta).join("")).toBe("Hi");
    expect(chunks.map((c) => c.reasoningDelta).join("")).toContain("Simple educational question");
    expect(chunks.filter((c) => c.finishReason !== FinishReason.UNSPECIFIED).map((c) => c.finishReason)).toEqual([FinishReason.REFUSAL]);
    expect(chunks.at(-1)!.usage).toMatchObject({ inputTokens: 28, outputTokens: 106, reasoningTokens: 67 });
  });
});

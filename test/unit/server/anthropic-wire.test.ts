import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ChatResponseSchema, FinishReason, ResponseFormatType, Role, ToolChoiceMode } from "../../../src/gen/sluice/v1/gateway_pb.js";
import { newChunk, newToolCallDelta, newUsage } from "../../../src/core/canonical.js";
import { SluiceError } from "../../../src/errors/sluice-error.js";
import { decodeMessagesRequest } from "../../../src/server/rest/anthropic/messages-request.js";
import { MessageEventEncoder, encodeMessage } from "../../../src/server/rest/anthropic/messages-response.js";

const invalid = (body: unknown) => {
  try {
    decodeMessagesRequest(body);
  } catch (err) {
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).code).toBe("invalid_request");
    return (err as SluiceError).param;
  }
  throw new Error("accepted");
};

describe("Anthropic Messages body -> canonical request", () => {
  it("puts the system prompt first and splits a user turn's tool results into tool messages, in order", () => {
    const { request, stream } = decodeMessagesRequest({
      model: "m",
      max_tokens: 10,
      stream: true,
      system: "Be brief.",
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "Need tools.", signature: "sig" },
            { type: "redacted_thinking", data: "opaque" },
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "t1", name: "get_weather", input: { city: "Paris" } },
            { type: "tool_use", id: "t2", name: "get_time", input: {} },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "21C" }], is_error: true },
            { type: "tool_result", tool_use_id: "t2", content: "14:00", is_error: false },
            { type: "text", text: "thanks" },
          ],
        },
      ],
    });
    expect(stream).toBe(true);
    expect(request.messages.map((m) => m.role)).toEqual([Role.SYSTEM, Role.USER, Role.ASSISTANT, Role.TOOL, Role.TOOL, Role.USER]);
    const assistant = request.messages[2]!;
    expect(assistant).toMatchObject({ reasoning: "Need tools.", reasoningSignature: "sig" });
    expect(assistant.toolCalls.map((c) => [c.id, c.name, c.argumentsJson])).toEqual([
      ["t1", "get_weather", '{"city":"Paris"}'],
      ["t2", "get_time", "{}"],
    ]);
    expect(request.messages[3]).toMatchObject({ toolCallId: "t1", content: [{ part: { case: "text", value: "21C" } }], toolError: true });
    expect(request.messages[4]).toMatchObject({ toolCallId: "t2", content: [{ part: { case: "text", value: "14:00" } }], toolError: false });
  });

  it("reads cache_control on system, text, image and tool_result blocks and on tools as caching breakpoints", () => {
    const { request } = decodeMessagesRequest({
      model: "m",
      max_tokens: 10,
      system: [{ type: "text", text: "Long manual...", cache_control: { type: "ephemeral", ttl: "1h" } }],
      tools: [{ name: "f", input_schema: { type: "object" }, cache_control: { type: "ephemeral" } }],
      messages: [
        { role: "user", content: [{ type: "text", text: "doc", cache_control: { type: "ephemeral" } }, { type: "text", text: "question" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "result", cache_control: { type: "ephemeral", ttl: "5m" } }] },
      ],
    });
    expect(request.messages[0]!.content[0]!.cache?.ttl).toBe("1h");
    expect(request.tools[0]!.cache?.ttl).toBe("");
    expect(request.messages[1]!.content.map((p) => p.cache?.ttl)).toEqual(["", undefined]);
    expect(request.messages[3]!.content.at(-1)!.cache?.ttl).toBe("5m");
    expect(invalid({ model: "m", max_tokens: 1, messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: { type: "forever" } }] }] })).toBe(
      "messages.0.content.0.cache_control",
    );
    expect(invalid({ model: "m", max_tokens: 1, system: [{ type: "text", text: "x", cache_control: { type: "ephemeral", ttl: "2d" } }], messages: [] })).toBe(
      "system.0.cache_control.ttl",
    );
  });

  it("maps parameters: max_tokens, stop_sequences, sampling, top_k, thinking budget, tool choice, effort, JSON output, user", () => {
    const { request } = decodeMessagesRequest({
      model: "m",
      max_tokens: 500,
      temperature: 0.5,
      top_p: 0.9,
      top_k: 20,
      stop_sequences: ["END", "STOP"],
      thinking: { type: "enabled", budget_tokens: 256 },
      tools: [{ name: "f", input_schema: { type: "object" } }],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      output_config: { effort: "high", format: { type: "json_schema", schema: { type: "object" } } },
      metadata: { user_id: "u1" },
      messages: [{ role: "user", content: "x" }],
    });
    expect(request.params).toMatchObject({
      maxOutputTokens: 500,
      temperature: 0.5,
      topP: 0.9,
      topK: 20,
      stop: ["END", "STOP"],
      reasoningBudgetTokens: 256,
      parallelToolCalls: false,
      reasoningEffort: "high",
      responseFormat: { type: ResponseFormatType.JSON_SCHEMA, schemaJson: '{"type":"object"}' },
    });
    expect(request.toolChoice?.choice).toEqual({ case: "mode", value: ToolChoiceMode.REQUIRED });
    expect(request.tools[0]).toMatchObject({ name: "f", parametersJson: '{"type":"object"}' });
    expect(request.user).toBe("u1");
  });

  it("keeps base64 images as data URLs and URL images as URLs", () => {
    const { request } = decodeMessagesRequest({
      model: "m",
      max_tokens: 1,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "AAEC" } },
            { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
          ],
        },
      ],
    });
    expect(request.messages[0]!.content.map((p) => (p.part.case === "image" ? p.part.value.source.value : ""))).toEqual([
      "data:image/jpeg;base64,AAEC",
      "https://example.com/a.png",
    ]);
  });

  it("refuses what it cannot carry, naming the field", () => {
    expect(invalid({ model: "m", messages: [] })).toBe("max_tokens");
    expect(invalid({ max_tokens: 1, messages: [] })).toBe("model");
    expect(invalid({ model: "m", max_tokens: 1, messages: [{ role: "system", content: "x" }] })).toBe("messages.0.role");
    expect(invalid({ model: "m", max_tokens: 1, messages: [{ role: "user", content: [{ type: "document", source: {} }] }] })).toBe("messages.0.content.0.type");
    expect(invalid({ model: "m", max_tokens: 1, messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "f" } }] }] })).toBe(
      "messages.0.content.0.source.type",
    );
    expect(invalid({ model: "m", max_tokens: 1, messages: [], tools: [{ type: "web_search_20250305", name: "web_search" }] })).toBe("tools.0.type");
    expect(invalid({ model: "m", max_tokens: 1, messages: [], tools: [{ name: "f" }] })).toBe("tools.0.input_schema");
    expect(invalid({ model: "m", max_tokens: 1, messages: [], thinking: { type: "enabled" } })).toBe("thinking.budget_tokens");
    expect(invalid({ model: "m", max_tokens: 1, messages: [], tool_choice: { type: "sometimes" } })).toBe("tool_choice.type");
    expect(invalid({ model: "m", max_tokens: -1, messages: [] })).toBe("max_tokens");
    expect(invalid({ model: "m", max_tokens: 1, messages: [], system: [{ type: "image" }] })).toBe("system.0.type");
  });

  it("count_tokens bodies need no max_tokens", () => {
    expect(decodeMessagesRequest({ model: "m", messages: [{ role: "user", content: "x" }] }, true).request.params).toBeUndefined();
  });
});

describe("canonical answers -> Anthropic message and events", () => {
  it("a whole answer: thinking, text, tool_use; cached tokens leave input_tokens", () => {
    const response = create(ChatResponseSchema, {
      id: "",
      model: "gpt-x",
      message: {
        role: Role.ASSISTANT,
        reasoning: "hmm",
        reasoningSignature: "s",
        content: [{ part: { case: "text", value: "Let me check." } }],
        toolCalls: [{ id: "c1", name: "f", argumentsJson: '{"a":1}' }],
      },
      finishReason: FinishReason.TOOL_CALLS,
      usage: { inputTokens: 100, cachedInputTokens: 60, cacheWriteTokens: 10, outputTokens: 7 },
    });
    expect(JSON.parse(encodeMessage(response, "msg_fallback", "asked"))).toEqual({
      id: "msg_fallback",
      type: "message",
      role: "assistant",
      model: "gpt-x",
      content: [
        { type: "thinking", thinking: "hmm", signature: "s" },
        { type: "text", text: "Let me check." },
        { type: "tool_use", id: "c1", name: "f", input: { a: 1 } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 30, output_tokens: 7, cache_read_input_tokens: 60, cache_creation_input_tokens: 10 },
    });
  });

  it.each([
    [FinishReason.STOP, "end_turn"],
    [FinishReason.LENGTH, "max_tokens"],
    [FinishReason.TOOL_CALLS, "tool_use"],
    [FinishReason.REFUSAL, "refusal"],
    [FinishReason.CONTENT_FILTER, "refusal"],
  ])("finish reason %s is stop_reason %s", (finish, stop) => {
    expect(JSON.parse(encodeMessage(create(ChatResponseSchema, { finishReason: finish }), "id", "m")).stop_reason).toBe(stop);
  });

  it("a stream: one block at a time, tool calls by index, usage at the end", () => {
    const enc = new MessageEventEncoder("msg_1", "asked");
    let sse = "";
    sse += enc.encode(newChunk({ id: "up-1", model: "up-model", role: Role.ASSISTANT, reasoningDelta: "think" }));
    sse += enc.encode(newChunk({ reasoningSignature: "sig" }));
    sse += enc.encode(newChunk({ textDelta: "Hello" }));
    sse += enc.encode(newChunk({ toolCallDeltas: [newToolCallDelta({ index: 0, id: "c0", name: "f" })] }));
    sse += enc.encode(newChunk({ toolCallDeltas: [newToolCallDelta({ index: 1, id: "c1", name: "g" })] }));
    // A late piece of the first call (calls interleaved by the provider) goes to its block by index.
    sse += enc.encode(newChunk({ toolCallDeltas: [newToolCallDelta({ index: 0, argumentsDelta: '{"x":1}' })] }));
    sse += enc.encode(newChunk({ finishReason: FinishReason.TOOL_CALLS, usage: newUsage({ inputTokens: 12, outputTokens: 5 }) }));
    sse += enc.finish();
    const events = sse
      .split("\n\n")
      .filter(Boolean)
      .map((e) => {
        const [name, data] = e.split("\n");
        return { name: name!.slice("event: ".length), data: JSON.parse(data!.slice("data: ".length)) };
      });
    expect(events.map((e) => (e.data.delta?.type ? `${e.name}:${e.data.delta.type}` : e.name))).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta:thinking_delta",
      "content_block_delta:signature_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta:text_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_stop",
      "content_block_start",
      "content_block_delta:input_json_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events[0]!.data.message).toMatchObject({ id: "up-1", model: "up-model", role: "assistant", content: [] });
    expect(events.filter((e) => e.name === "content_block_start").map((e) => [e.data.index, e.data.content_block.type])).toEqual([
      [0, "thinking"],
      [1, "text"],
      [2, "tool_use"],
      [3, "tool_use"],
    ]);
    expect(events[12]!.data).toMatchObject({ index: 2, delta: { partial_json: '{"x":1}' } });
    expect(events.at(-2)!.data).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 12, output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
  });

  it("an empty stream still opens and closes a message", () => {
    const out = new MessageEventEncoder("msg_2", "asked").finish();
    expect([...out.matchAll(/^event: (\S+)$/gm)].map((m) => m[1])).toEqual(["message_start", "ping", "message_delta", "message_stop"]);
  });
});

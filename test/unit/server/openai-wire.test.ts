import { describe, expect, it } from "vitest";
import { FinishReason, ImageDetail, ResponseFormatType, Role, ToolChoiceMode } from "../../../src/gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../../src/errors/sluice-error.js";
import { ResponseAssembler, newChunk, newToolCallDelta, newUsage } from "../../../src/core/canonical.js";
import { decodeChatCompletion } from "../../../src/server/rest/openai-request.js";
import { ChunkEncoder, encodeCompletion } from "../../../src/server/rest/openai-response.js";
import { toOpenAIBody } from "../../../src/providers/openai/request.js";

describe("OpenAI request -> canonical", () => {
  const body = {
    model: "fast",
    messages: [
      { role: "system", content: "be brief" },
      { role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url: "https://x/cat.png", detail: "low" } }] },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "look", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "c1", content: "a cat" },
    ],
    tools: [{ type: "function", function: { name: "look", description: "looks", parameters: { type: "object", properties: { n: { type: "integer" } } }, strict: true } }],
    tool_choice: { type: "function", function: { name: "look" } },
    temperature: 0.2,
    top_p: 0.9,
    max_tokens: 100,
    stop: "END",
    seed: 7,
    response_format: { type: "json_schema", json_schema: { name: "out", schema: { type: "object" }, strict: true } },
    metadata: { team: "search" },
    user: "u-1",
    stream: true,
    stream_options: { include_usage: true },
    logprobs: false, // ignored, not rejected
  };

  it("decodes every supported field", () => {
    const { request, stream, includeUsage } = decodeChatCompletion(body);
    expect(stream).toBe(true);
    expect(includeUsage).toBe(true);
    expect(request.messages.map((m) => m.role)).toEqual([Role.SYSTEM, Role.USER, Role.ASSISTANT, Role.TOOL]);
    const image = request.messages[1]!.content[1]!.part;
    expect(image.case).toBe("image");
    expect(image.case === "image" && image.value.detail).toBe(ImageDetail.LOW);
    expect(request.messages[2]!.toolCalls[0]).toMatchObject({ id: "c1", name: "look", argumentsJson: "{}" });
    expect(request.messages[3]!.toolCallId).toBe("c1");
    expect(JSON.parse(request.tools[0]!.parametersJson)).toEqual(body.tools[0]!.function.parameters);
    expect(request.toolChoice?.choice).toEqual({ case: "functionName", value: "look" });
    expect(request.params).toMatchObject({ temperature: 0.2, topP: 0.9, maxOutputTokens: 100, stop: ["END"], seed: 7n });
    expect(request.params?.responseFormat).toMatchObject({ type: ResponseFormatType.JSON_SCHEMA, name: "out", strict: true });
    expect(request.tags).toEqual({ team: "search" });
    expect(request.user).toBe("u-1");
  });

  it("round-trips to the OpenAI wire body the provider receives", () => {
    const { request } = decodeChatCompletion(body);
    const wire = toOpenAIBody(request, "gpt-4o-mini", true, "max_completion_tokens");
    expect(wire).toMatchObject({
      model: "gpt-4o-mini",
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 100,
      stop: ["END"],
      seed: 7,
      tool_choice: { type: "function", function: { name: "look" } },
      response_format: { type: "json_schema", json_schema: { name: "out", schema: { type: "object" }, strict: true } },
      user: "u-1",
    });
    expect((wire.messages as unknown[])[1]).toEqual({
      role: "user",
      content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url: "https://x/cat.png", detail: "low" } }],
    });
    expect((wire.tools as any[])[0].function).toEqual(body.tools[0]!.function);
  });

  it("names the field of a type error", () => {
    const bad = (b: object) => {
      try {
        decodeChatCompletion(b);
      } catch (err) {
        expect(err).toBeInstanceOf(SluiceError);
        return (err as SluiceError).param;
      }
      return undefined;
    };
    expect(bad({ messages: [] })).toBe("model");
    expect(bad({ model: "m", messages: [{ role: "wizard", content: "x" }] })).toBe("messages[0].role");
    expect(bad({ model: "m", messages: [{ role: "user", content: [{ type: "input_audio" }] }] })).toBe("messages[0].content[0].type");
    expect(bad({ model: "m", messages: [], tool_choice: "sometimes" })).toBe("tool_choice");
    expect(bad({ model: "m", messages: [], n: 2 })).toBe("n");
    expect(bad({ model: "m", messages: [], stop: [1] })).toBe("stop");
    expect(bad([1, 2])).toBe("body");
  });

  it("refuses what would change the answer and cannot be honoured; lets its 'off' values through", () => {
    const refused = (extra: object) => {
      try {
        decodeChatCompletion({ model: "m", messages: [], ...extra });
      } catch (err) {
        expect((err as SluiceError).code).toBe("invalid_request");
        return (err as SluiceError).param;
      }
      return undefined;
    };
    expect(refused({ logprobs: true })).toBe("logprobs");
    expect(refused({ top_logprobs: 3 })).toBe("top_logprobs");
    expect(refused({ logit_bias: { "50256": -100 } })).toBe("logit_bias");
    expect(refused({ prediction: { type: "content", content: "x" } })).toBe("prediction");
    expect(refused({ modalities: ["text", "audio"] })).toBe("modalities");
    expect(refused({ audio: { voice: "alloy", format: "wav" } })).toBe("audio");
    expect(refused({ verbosity: "low" })).toBe("verbosity");
    expect(refused({ web_search_options: {} })).toBe("web_search_options");
    expect(refused({ functions: [{ name: "f" }] })).toBe("functions");
    expect(refused({ function_call: "auto" })).toBe("function_call");
    // The values SDK wrappers send as defaults ask for nothing.
    for (const off of [{ logprobs: false }, { top_logprobs: 0 }, { top_logprobs: null }, { logit_bias: {} }, { logit_bias: null }, { modalities: ["text"] }, { prediction: null }, { audio: null }]) {
      expect(refused(off), JSON.stringify(off)).toBeUndefined();
    }
    // Fields that change nothing in the answer are ignored, as before.
    expect(refused({ store: true, service_tier: "auto", prompt_cache_key: "k", safety_identifier: "u1" })).toBeUndefined();
  });

  it("reads Anthropic's cache_control on content parts and tools (as OpenAI-format clients of Claude send it)", () => {
    const { request } = decodeChatCompletion({
      model: "m",
      messages: [{ role: "system", content: [{ type: "text", text: "Long manual", cache_control: { type: "ephemeral", ttl: "1h" } }] }, { role: "user", content: "q" }],
      tools: [{ type: "function", function: { name: "f" }, cache_control: { type: "ephemeral" } }],
    });
    expect(request.messages[0]!.content[0]!.cache?.ttl).toBe("1h");
    expect(request.messages[1]!.content[0]!.cache).toBeUndefined();
    expect(request.tools[0]!.cache?.ttl).toBe("");
  });

  it("accepts tool_choice modes", () => {
    expect(decodeChatCompletion({ model: "m", messages: [], tool_choice: "required" }).request.toolChoice?.choice).toEqual({
      case: "mode",
      value: ToolChoiceMode.REQUIRED,
    });
  });
});

describe("canonical -> OpenAI response shapes", () => {
  const parse = (event: string) => JSON.parse(event.replace(/^data: /, ""));

  it("stream chunks: one id and model, usage null on every chunk, usage chunk with empty choices", () => {
    const enc = new ChunkEncoder("chatcmpl-fallback", "fast", true);
    const first = parse(enc.encode(newChunk({ id: "up-1", model: "gpt-x", created: 5n, role: Role.ASSISTANT, textDelta: "Hi" })));
    expect(first).toEqual({
      id: "up-1",
      object: "chat.completion.chunk",
      created: 5,
      model: "gpt-x",
      choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, logprobs: null, finish_reason: null }],
      usage: null,
    });
    const tool = parse(enc.encode(newChunk({ id: "other", toolCallDeltas: [newToolCallDelta({ index: 0, id: "c1", name: "f", argumentsDelta: "" })] })));
    expect(tool.id).toBe("up-1");
    expect(tool.choices[0].delta).toEqual({ tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "f", arguments: "" } }] });
    const args = parse(enc.encode(newChunk({ toolCallDeltas: [newToolCallDelta({ index: 0, argumentsDelta: '{"a"' })] })));
    expect(args.choices[0].delta).toEqual({ tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] });
    const fin = parse(enc.encode(newChunk({ finishReason: FinishReason.TOOL_CALLS })));
    expect(fin.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: "tool_calls" });
    const usage = parse(enc.encode(newChunk({ usage: newUsage({ inputTokens: 10, outputTokens: 4, cachedInputTokens: 6 }) })));
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 4,
      total_tokens: 14,
      prompt_tokens_details: { cached_tokens: 6 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it("stream events are byte for byte JSON.stringify of the whole event, for every kind of delta", () => {
    const texts = ["", "plain", 'quotes " and \\ backslash', "line\nbreak\ttab", "ünïcödé ✓ 😀", "\u2028\u2029", "\ud800 lone"];
    const chunks = [
      newChunk({ id: "up-1", model: "gpt-x", created: 7n, role: Role.ASSISTANT }),
      ...texts.map((t) => newChunk({ textDelta: t })),
      ...texts.map((t) => newChunk({ role: Role.ASSISTANT, textDelta: t, refusalDelta: t, reasoningDelta: t })),
      newChunk({ refusalDelta: "no" }),
      newChunk({ reasoningDelta: "thinking" }),
      newChunk({ toolCallDeltas: [newToolCallDelta({ index: 1, id: "c\"1", name: "f", argumentsDelta: '{"x":' }), newToolCallDelta({ index: 2, argumentsDelta: "1}" })] }),
      newChunk({ textDelta: "t", toolCallDeltas: [newToolCallDelta({ index: 0, argumentsDelta: "" })] }),
      ...[FinishReason.STOP, FinishReason.LENGTH, FinishReason.TOOL_CALLS, FinishReason.CONTENT_FILTER, FinishReason.REFUSAL, 99 as FinishReason].map((f) => newChunk({ finishReason: f })),
    ];
    for (const includeUsage of [true, false]) {
      const enc = new ChunkEncoder("fallback", "alias", includeUsage);
      for (const chunk of chunks) {
        const delta: Record<string, unknown> = {};
        if (chunk.role === Role.ASSISTANT) delta.role = "assistant";
        if (chunk.textDelta !== "" || chunk.role === Role.ASSISTANT) delta.content = chunk.textDelta;
        if (chunk.refusalDelta !== "") delta.refusal = chunk.refusalDelta;
        if (chunk.reasoningDelta !== "") delta.reasoning_content = chunk.reasoningDelta;
        if (chunk.toolCallDeltas.length > 0) {
          delta.tool_calls = chunk.toolCallDeltas.map((d) =>
            d.id || d.name ? { index: d.index, id: d.id, type: "function", function: { name: d.name, arguments: d.argumentsDelta } } : { index: d.index, function: { arguments: d.argumentsDelta } },
          );
        }
        const finish = { [FinishReason.STOP]: "stop", [FinishReason.LENGTH]: "length", [FinishReason.TOOL_CALLS]: "tool_calls", [FinishReason.CONTENT_FILTER]: "content_filter", [FinishReason.REFUSAL]: "stop" }[chunk.finishReason as number] ?? null;
        const event: Record<string, unknown> = { id: "up-1", object: "chat.completion.chunk", created: 7, model: "gpt-x", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
        if (includeUsage) event.usage = null;
        expect(enc.encode(chunk)).toBe(`data: ${JSON.stringify(event)}\n\n`);
      }
      const usage = newUsage({ inputTokens: 3, outputTokens: 2, reasoningTokens: 1 });
      const usageEvent = { id: "up-1", object: "chat.completion.chunk", created: 7, model: "gpt-x", choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 1 } } };
      expect(enc.encode(newChunk({ usage }))).toBe(includeUsage ? `data: ${JSON.stringify(usageEvent)}\n\n` : "");
    }
  });

  it("without include_usage: no usage field and no usage chunk", () => {
    const enc = new ChunkEncoder("id", "m", false);
    expect("usage" in parse(enc.encode(newChunk({ textDelta: "x" })))).toBe(false);
    expect(enc.encode(newChunk({ usage: newUsage({ inputTokens: 1 }) }))).toBe("");
  });

  it("whole completion: content null when only tool calls; refusal kept apart", () => {
    const asm = new ResponseAssembler();
    asm.add(newChunk({ id: "r1", model: "m1", created: 9n, role: Role.ASSISTANT, toolCallDeltas: [newToolCallDelta({ index: 0, id: "c", name: "f", argumentsDelta: "{}" })] }));
    asm.add(newChunk({ finishReason: FinishReason.TOOL_CALLS, usage: newUsage({ inputTokens: 3, outputTokens: 2 }) }));
    const out = JSON.parse(encodeCompletion(asm.response(), "fallback", "alias"));
    expect(out).toMatchObject({ id: "r1", object: "chat.completion", created: 9, model: "m1" });
    expect(out.choices[0]).toEqual({
      index: 0,
      message: { role: "assistant", content: null, refusal: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] },
      logprobs: null,
      finish_reason: "tool_calls",
    });
    expect(out.usage.total_tokens).toBe(5);
  });
});

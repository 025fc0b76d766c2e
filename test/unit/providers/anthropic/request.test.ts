import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ChatRequestSchema, Role, ToolChoiceMode, type ChatRequest } from "../../../../src/gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../../../src/errors/sluice-error.js";
import { ANTHROPIC_DEFAULT_MAX_TOKENS, toAnthropicBody } from "../../../../src/providers/anthropic/request.js";

const text = (value: string) => ({ part: { case: "text", value } });
const req = (init: object): ChatRequest => create(ChatRequestSchema, init as never);

describe("canonical request -> Anthropic Messages body", () => {
  it("moves system and developer messages to top-level system and requires max_tokens", () => {
    const body = toAnthropicBody(
      req({
        messages: [
          { role: Role.SYSTEM, content: [text("Be brief.")] },
          { role: Role.USER, content: [text("hi")] },
          { role: Role.DEVELOPER, content: [text("Answer in French.")] },
        ],
      }),
      "claude-x",
      true,
    );
    expect(body).toEqual({
      model: "claude-x",
      max_tokens: ANTHROPIC_DEFAULT_MAX_TOKENS,
      stream: true,
      system: [
        { type: "text", text: "Be brief." },
        { type: "text", text: "Answer in French." },
      ],
      messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
    });
  });

  it("sends caching breakpoints as cache_control on the block they follow, a tool result's on its tool_result block", () => {
    const hint = (ttl = "") => ({ ttl });
    const body = toAnthropicBody(
      req({
        messages: [
          { role: Role.SYSTEM, content: [{ ...text("Long manual"), cache: hint("1h") }] },
          { role: Role.USER, content: [{ ...text("doc"), cache: hint() }, text("question")] },
          { role: Role.ASSISTANT, toolCalls: [{ id: "t1", name: "f", argumentsJson: "{}" }] },
          { role: Role.TOOL, toolCallId: "t1", content: [{ ...text("result"), cache: hint("5m") }] },
        ],
        tools: [{ name: "f", parametersJson: '{"type":"object"}', cache: hint() }],
      }),
      "m",
      false,
    );
    expect(body.system).toEqual([{ type: "text", text: "Long manual", cache_control: { type: "ephemeral", ttl: "1h" } }]);
    expect((body.messages as any[])[0].content).toEqual([
      { type: "text", text: "doc", cache_control: { type: "ephemeral" } },
      { type: "text", text: "question" },
    ]);
    expect((body.messages as any[])[2].content).toEqual([{ type: "tool_result", tool_use_id: "t1", content: "result", cache_control: { type: "ephemeral", ttl: "5m" } }]);
    expect(body.tools).toEqual([{ name: "f", input_schema: { type: "object" }, cache_control: { type: "ephemeral" } }]);
  });

  it("sends tool calls as tool_use and merges consecutive tool results into one user turn", () => {
    const body = toAnthropicBody(
      req({
        messages: [
          { role: Role.USER, content: [text("weather and time in Paris?")] },
          {
            role: Role.ASSISTANT,
            toolCalls: [
              { id: "toolu_1", name: "get_weather", argumentsJson: '{"city":"Paris"}' },
              { id: "toolu_2", name: "get_time", argumentsJson: "" },
            ],
          },
          { role: Role.TOOL, toolCallId: "toolu_1", content: [text('{"temp_c":21}')] },
          { role: Role.TOOL, toolCallId: "toolu_2", content: [text("clock service down")], toolError: true },
          { role: Role.USER, content: [text("thanks")] },
        ],
      }),
      "m",
      false,
    );
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "weather and time in Paris?" }] },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "get_time", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: '{"temp_c":21}' },
          { type: "tool_result", tool_use_id: "toolu_2", content: "clock service down", is_error: true },
          { type: "text", text: "thanks" },
        ],
      },
    ]);
    expect(body.stream).toBeUndefined();
  });

  it("maps tools (input_schema) and every tool_choice", () => {
    const tools = [{ name: "get_weather", description: "Weather now", parametersJson: '{"type":"object","properties":{"city":{"type":"string"}}}' }, { name: "now" }];
    const choose = (toolChoice: object, params: object = {}) => toAnthropicBody(req({ messages: [], tools, toolChoice, params }), "m", false);
    const body = choose({ choice: { case: "mode", value: ToolChoiceMode.AUTO } });
    expect(body.tools).toEqual([
      { name: "get_weather", description: "Weather now", input_schema: { type: "object", properties: { city: { type: "string" } } } },
      { name: "now", input_schema: { type: "object", properties: {} } },
    ]);
    expect(body.tool_choice).toEqual({ type: "auto" });
    expect(choose({ choice: { case: "mode", value: ToolChoiceMode.REQUIRED } }).tool_choice).toEqual({ type: "any" });
    expect(choose({ choice: { case: "mode", value: ToolChoiceMode.NONE } }).tool_choice).toEqual({ type: "none" });
    expect(choose({ choice: { case: "functionName", value: "now" } }).tool_choice).toEqual({ type: "tool", name: "now" });
    expect(choose({}, { parallelToolCalls: false }).tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
  });

  it("sends images as base64 or url sources", () => {
    const body = toAnthropicBody(
      req({
        messages: [
          {
            role: Role.USER,
            content: [
              { part: { case: "image", value: { source: { case: "data", value: new Uint8Array([1, 2, 3]) }, mediaType: "image/jpeg" } } },
              { part: { case: "image", value: { source: { case: "url", value: "data:image/webp;base64,AAEC" } } } },
              { part: { case: "image", value: { source: { case: "url", value: "https://example.com/cat.png" } } } },
            ],
          },
        ],
      }),
      "m",
      false,
    );
    expect((body.messages as any)[0].content).toEqual([
      { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "AQID" } },
      { type: "image", source: { type: "base64", media_type: "image/webp", data: "AAEC" } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
    ]);
  });

  it("maps generation parameters Anthropic knows", () => {
    const body = toAnthropicBody(req({ messages: [], params: { temperature: 0.2, topP: 0.9, maxOutputTokens: 100, stop: ["END"], seed: 7n }, user: "u-1" }), "m", false);
    expect(body).toMatchObject({ temperature: 0.2, top_p: 0.9, max_tokens: 100, stop_sequences: ["END"], metadata: { user_id: "u-1" } });
    expect(body.seed).toBeUndefined();
  });

  it("sends top_k and a thinking budget, and signed reasoning back as a thinking block", () => {
    const body = toAnthropicBody(
      req({
        messages: [
          { role: Role.USER, content: [text("think")] },
          { role: Role.ASSISTANT, reasoning: "Let me see.", reasoningSignature: "sig-1", content: [text("Done.")] },
          // Unsigned reasoning (from another provider) cannot go back to Anthropic.
          { role: Role.ASSISTANT, reasoning: "unsigned", content: [text("Again.")] },
        ],
        params: { topK: 5, reasoningBudgetTokens: 2048, maxOutputTokens: 4000 },
      }),
      "m",
      false,
    );
    expect(body).toMatchObject({ top_k: 5, thinking: { type: "enabled", budget_tokens: 2048 }, max_tokens: 4000 });
    expect((body.messages as any)[1].content).toEqual([
      { type: "thinking", thinking: "Let me see.", signature: "sig-1" },
      { type: "text", text: "Done." },
      { type: "text", text: "Again." },
    ]);
  });

  it("sends a tool result with images as tool_result content blocks", () => {
    const body = toAnthropicBody(
      req({
        messages: [
          {
            role: Role.TOOL,
            toolCallId: "toolu_1",
            content: [text("a chart:"), { part: { case: "image", value: { source: { case: "url", value: "data:image/png;base64,AAEC" } } } }],
          },
        ],
      }),
      "m",
      false,
    );
    expect((body.messages as any)[0].content).toEqual([
      {
        type: "tool_result",
        tool_use_id: "toolu_1",
        content: [
          { type: "text", text: "a chart:" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "AAEC" } },
        ],
      },
    ]);
  });

  it("rejects tool arguments that are not JSON", () => {
    const bad = req({ messages: [{ role: Role.ASSISTANT, toolCalls: [{ id: "t", name: "f", argumentsJson: "{nope" }] }] });
    expect(() => toAnthropicBody(bad, "m", false)).toThrow(SluiceError);
  });
});

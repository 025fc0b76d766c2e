import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ChatRequestSchema, Role, ToolChoiceMode, type ChatRequest } from "../../../../src/gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../../../src/errors/sluice-error.js";
import { toConverseBody } from "../../../../src/providers/bedrock/request.js";

const text = (value: string) => ({ part: { case: "text", value } });
const req = (init: object): ChatRequest => create(ChatRequestSchema, { model: "m", ...init } as never);

describe("canonical request -> Converse body", () => {
  it("puts system and developer messages in `system`, the rest in alternating messages", () => {
    const body = toConverseBody(
      req({
        messages: [
          { role: Role.SYSTEM, content: [text("be brief")] },
          { role: Role.DEVELOPER, content: [text("use metric units")] },
          { role: Role.USER, content: [text("hi")] },
          { role: Role.USER, content: [text("again")] },
          { role: Role.ASSISTANT, content: [text("hello")] },
        ],
      }),
    );
    expect(body.system).toEqual([{ text: "be brief" }, { text: "use metric units" }]);
    expect(body.messages).toEqual([
      { role: "user", content: [{ text: "hi" }, { text: "again" }] },
      { role: "assistant", content: [{ text: "hello" }] },
    ]);
  });

  it("sends caching breakpoints as cachePoint blocks after the block they follow", () => {
    const hint = { ttl: "" };
    const body = toConverseBody(
      req({
        messages: [
          { role: Role.SYSTEM, content: [{ ...text("long manual"), cache: hint }] },
          { role: Role.USER, content: [{ ...text("doc"), cache: hint }, text("question")] },
          { role: Role.ASSISTANT, toolCalls: [{ id: "t1", name: "f", argumentsJson: "{}" }] },
          { role: Role.TOOL, toolCallId: "t1", content: [{ ...text("result"), cache: hint }] },
        ],
        tools: [{ name: "f", parametersJson: '{"type":"object"}', cache: hint }],
      }),
    );
    const point = { cachePoint: { type: "default" } };
    expect(body.system).toEqual([{ text: "long manual" }, point]);
    expect((body.messages as any[])[0].content).toEqual([{ text: "doc" }, point, { text: "question" }]);
    expect((body.messages as any[])[2].content).toEqual([{ toolResult: { toolUseId: "t1", content: [{ text: "result" }] } }, point]);
    expect((body.toolConfig as any).tools).toEqual([{ toolSpec: { name: "f", inputSchema: { json: { type: "object" } } } }, point]);
  });

  it("maps tool calls, tool results (merged into one user turn) and the tool config", () => {
    const body = toConverseBody(
      req({
        messages: [
          { role: Role.USER, content: [text("weather in Paris and Rome?")] },
          {
            role: Role.ASSISTANT,
            toolCalls: [
              { id: "t1", name: "get_weather", argumentsJson: '{"city":"Paris"}' },
              { id: "t2", name: "get_weather", argumentsJson: "" },
            ],
          },
          { role: Role.TOOL, toolCallId: "t1", content: [text('{"c":21}')] },
          { role: Role.TOOL, toolCallId: "t2", content: [text('{"error":"no city"}')], toolError: true },
        ],
        tools: [{ name: "get_weather", description: "Weather now", parametersJson: '{"type":"object","properties":{"city":{"type":"string"}}}' }],
        toolChoice: { choice: { case: "mode", value: ToolChoiceMode.REQUIRED } },
      }),
    );
    expect(body.messages).toEqual([
      { role: "user", content: [{ text: "weather in Paris and Rome?" }] },
      {
        role: "assistant",
        content: [
          { toolUse: { toolUseId: "t1", name: "get_weather", input: { city: "Paris" } } },
          { toolUse: { toolUseId: "t2", name: "get_weather", input: {} } },
        ],
      },
      {
        role: "user",
        content: [
          { toolResult: { toolUseId: "t1", content: [{ text: '{"c":21}' }] } },
          { toolResult: { toolUseId: "t2", content: [{ text: '{"error":"no city"}' }], status: "error" } },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: "get_weather", description: "Weather now", inputSchema: { json: { type: "object", properties: { city: { type: "string" } } } } } }],
      toolChoice: { any: {} },
    });
  });

  it("maps tool choice auto and a named function; NONE leaves the tools out", () => {
    const tools = [{ name: "f" }];
    const user = [{ role: Role.USER, content: [text("x")] }];
    expect((toConverseBody(req({ messages: user, tools, toolChoice: { choice: { case: "mode", value: ToolChoiceMode.AUTO } } })).toolConfig as any).toolChoice).toEqual({ auto: {} });
    expect((toConverseBody(req({ messages: user, tools, toolChoice: { choice: { case: "functionName", value: "f" } } })).toolConfig as any).toolChoice).toEqual({ tool: { name: "f" } });
    expect((toConverseBody(req({ messages: user, tools })).toolConfig as any).tools[0].toolSpec.inputSchema).toEqual({ json: { type: "object", properties: {} } });
    expect(toConverseBody(req({ messages: user, tools, toolChoice: { choice: { case: "mode", value: ToolChoiceMode.NONE } } })).toolConfig).toBeUndefined();
  });

  it("sends image bytes base64 with their format, from bytes or a data: URL", () => {
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47);
    const body = toConverseBody(
      req({
        messages: [
          {
            role: Role.USER,
            content: [
              text("what is this?"),
              { part: { case: "image", value: { source: { case: "data", value: png }, mediaType: "image/png" } } },
              { part: { case: "image", value: { source: { case: "url", value: "data:image/jpeg;base64,/9j/4A==" } } } },
            ],
          },
        ],
      }),
    );
    expect((body.messages as any)[0].content).toEqual([
      { text: "what is this?" },
      { image: { format: "png", source: { bytes: "iVBORw==" } } },
      { image: { format: "jpeg", source: { bytes: "/9j/4A==" } } },
    ]);
  });

  it("refuses web image URLs and unknown image types with invalid_request", () => {
    const image = (value: object) => req({ messages: [{ role: Role.USER, content: [{ part: { case: "image", value } }] }] });
    for (const r of [image({ source: { case: "url", value: "https://example.com/cat.png" } }), image({ source: { case: "data", value: Uint8Array.of(1) }, mediaType: "image/tiff" })]) {
      expect(() => toConverseBody(r)).toThrow(SluiceError);
      try {
        toConverseBody(r);
      } catch (err) {
        expect((err as SluiceError).code).toBe("invalid_request");
      }
    }
  });

  it("maps generation params to inferenceConfig", () => {
    const body = toConverseBody(req({ messages: [{ role: Role.USER, content: [text("x")] }], params: { maxOutputTokens: 256, temperature: 0.2, topP: 0.9, stop: ["END"], seed: 7n } }));
    expect(body.inferenceConfig).toEqual({ maxTokens: 256, temperature: 0.2, topP: 0.9, stopSequences: ["END"] });
  });
});

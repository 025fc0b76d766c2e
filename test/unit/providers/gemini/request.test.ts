import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ChatRequestSchema, ResponseFormatType, Role, ToolChoiceMode, type ChatRequest } from "../../../../src/gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../../../src/errors/sluice-error.js";
import { toGeminiBody } from "../../../../src/providers/gemini/request.js";

const text = (value: string) => ({ part: { case: "text", value } });
const req = (init: object): ChatRequest => create(ChatRequestSchema, init as never);

describe("canonical request -> Gemini generateContent body", () => {
  it("puts system and developer text in systemInstruction and assistant turns under role model", () => {
    const body = toGeminiBody(
      req({
        messages: [
          { role: Role.SYSTEM, content: [text("Be brief.")] },
          { role: Role.DEVELOPER, content: [text("Use metric.")] },
          { role: Role.USER, content: [text("hi")] },
          { role: Role.ASSISTANT, content: [text("hello")] },
          { role: Role.USER, content: [text("weather?")] },
        ],
      }),
      "gemini-2.5-flash",
      false,
    );
    expect(body).toEqual({
      systemInstruction: { parts: [{ text: "Be brief." }, { text: "Use metric." }] },
      contents: [
        { role: "user", parts: [{ text: "hi" }] },
        { role: "model", parts: [{ text: "hello" }] },
        { role: "user", parts: [{ text: "weather?" }] },
      ],
    });
  });

  it("sends functionCall parts and functionResponse parts named after the call they answer (a failed one under `error`)", () => {
    const body = toGeminiBody(
      req({
        messages: [
          { role: Role.USER, content: [text("weather and time in Paris?")] },
          {
            role: Role.ASSISTANT,
            toolCalls: [
              { id: "call_0", name: "get_weather", argumentsJson: '{"city":"Paris"}' },
              { id: "call_1", name: "get_time", argumentsJson: '{"tz":"Europe/Paris"}' },
            ],
          },
          { role: Role.TOOL, toolCallId: "call_0", content: [text('{"temp_c":21}')] },
          { role: Role.TOOL, toolCallId: "call_1", content: [text("14:00")] },
          { role: Role.TOOL, toolCallId: "call_0", content: [text("weather service down")], toolError: true },
        ],
      }),
      "gemini-2.5-flash",
      false,
    );
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "weather and time in Paris?" }] },
      {
        role: "model",
        parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }, { functionCall: { name: "get_time", args: { tz: "Europe/Paris" } } }],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_weather", response: { temp_c: 21 } } },
          { functionResponse: { name: "get_time", response: { result: "14:00" } } },
          { functionResponse: { name: "get_weather", response: { error: "weather service down" } } },
        ],
      },
    ]);
  });

  it("signs the first replayed call of each model turn for Gemini 3, and only for Gemini 3", () => {
    const history = req({
      messages: [
        { role: Role.USER, content: [text("weather and time?")] },
        { role: Role.ASSISTANT, toolCalls: [{ id: "call_0", name: "get_weather", argumentsJson: "{}" }, { id: "call_1", name: "get_time", argumentsJson: "{}" }] },
        { role: Role.TOOL, toolCallId: "call_0", content: [text("sunny")] },
        { role: Role.TOOL, toolCallId: "call_1", content: [text("noon")] },
      ],
    });
    const signed = (toGeminiBody(history, "gemini-3-pro-preview", false).contents as any)[1].parts;
    expect(signed.map((p: any) => p.thoughtSignature)).toEqual(["skip_thought_signature_validator", undefined]);
    const unsigned = (toGeminiBody(history, "gemini-2.5-flash", false).contents as any)[1].parts;
    expect(unsigned.map((p: any) => p.thoughtSignature)).toEqual([undefined, undefined]);
  });

  it("refuses a tool result for a call no assistant message made", () => {
    const bad = req({ messages: [{ role: Role.TOOL, toolCallId: "call_9", content: [text("x")] }] });
    expect(() => toGeminiBody(bad, "gemini-2.5-flash", false)).toThrow(SluiceError);
  });

  it("declares tools with their JSON schema and maps tool_choice to functionCallingConfig", () => {
    const tools = [{ name: "get_weather", description: "Weather now", parametersJson: '{"type":"object","properties":{"city":{"type":"string"}},"additionalProperties":false}' }];
    const choose = (toolChoice: object) => toGeminiBody(req({ messages: [], tools, toolChoice }), "gemini-2.5-flash", false);
    const body = choose({ choice: { case: "mode", value: ToolChoiceMode.AUTO } });
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          { name: "get_weather", description: "Weather now", parametersJsonSchema: { type: "object", properties: { city: { type: "string" } }, additionalProperties: false } },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(choose({ choice: { case: "mode", value: ToolChoiceMode.REQUIRED } }).toolConfig).toEqual({ functionCallingConfig: { mode: "ANY" } });
    expect(choose({ choice: { case: "mode", value: ToolChoiceMode.NONE } }).toolConfig).toEqual({ functionCallingConfig: { mode: "NONE" } });
    expect(choose({ choice: { case: "functionName", value: "get_weather" } }).toolConfig).toEqual({
      functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] },
    });
  });

  it("maps generation parameters and JSON output", () => {
    const body = toGeminiBody(
      req({
        messages: [],
        params: {
          temperature: 0.3,
          topP: 0.8,
          topK: 40,
          maxOutputTokens: 256,
          stop: ["END"],
          seed: 42n,
          responseFormat: { type: ResponseFormatType.JSON_SCHEMA, name: "w", schemaJson: '{"type":"object"}' },
        },
      }),
      "gemini-2.5-flash",
      true,
    );
    expect(body.generationConfig).toEqual({
      temperature: 0.3,
      topP: 0.8,
      topK: 40,
      maxOutputTokens: 256,
      stopSequences: ["END"],
      seed: 42,
      responseMimeType: "application/json",
      responseJsonSchema: { type: "object" },
      thinkingConfig: { includeThoughts: true },
    });
  });

  it("sends images as inlineData or fileData", () => {
    const body = toGeminiBody(
      req({
        messages: [
          {
            role: Role.USER,
            content: [
              { part: { case: "image", value: { source: { case: "data", value: new Uint8Array([1, 2, 3]) }, mediaType: "image/jpeg" } } },
              { part: { case: "image", value: { source: { case: "url", value: "data:image/webp;base64,AAEC" } } } },
              { part: { case: "image", value: { source: { case: "url", value: "https://example.com/cat.png?x=1" } } } },
            ],
          },
        ],
      }),
      "gemini-2.5-flash",
      false,
    );
    expect((body.contents as any)[0].parts).toEqual([
      { inlineData: { mimeType: "image/jpeg", data: "AQID" } },
      { inlineData: { mimeType: "image/webp", data: "AAEC" } },
      { fileData: { mimeType: "image/png", fileUri: "https://example.com/cat.png?x=1" } },
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { FinishReason, Role } from "../../../../src/gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../../../src/errors/sluice-error.js";
import { fromGeminiError } from "../../../../src/providers/gemini/errors.js";
import { PartialArgsAssembler } from "../../../../src/providers/gemini/partial-args.js";
import { fromGeminiResponse } from "../../../../src/providers/gemini/response.js";

describe("whole Gemini response -> one chunk", () => {
  it("maps a function call with finishReason STOP to TOOL_CALLS and normalises usage", () => {
    const chunk = fromGeminiResponse(
      "gem",
      {
        candidates: [{ content: { role: "model", parts: [{ text: "thinking aloud", thought: true }, { functionCall: { name: "get_weather", args: { city: "Paris" } } }] }, finishReason: "STOP" }],
        usageMetadata: { promptTokenCount: 100, cachedContentTokenCount: 60, candidatesTokenCount: 10, thoughtsTokenCount: 25 },
        modelVersion: "gemini-2.5-flash",
        responseId: "r-1",
      },
      false,
    );
    expect(chunk).toMatchObject({ id: "r-1", model: "gemini-2.5-flash", role: Role.ASSISTANT, textDelta: "", reasoningDelta: "", finishReason: FinishReason.TOOL_CALLS });
    expect(chunk.toolCallDeltas).toMatchObject([{ index: 0, id: "call_0", name: "get_weather", argumentsDelta: '{"city":"Paris"}' }]);
    expect(chunk.usage).toMatchObject({ inputTokens: 100, cachedInputTokens: 60, outputTokens: 35, reasoningTokens: 25 });
  });

  it.each([
    ["MAX_TOKENS", FinishReason.LENGTH],
    ["SAFETY", FinishReason.CONTENT_FILTER],
    ["RECITATION", FinishReason.CONTENT_FILTER],
    ["BLOCKLIST", FinishReason.CONTENT_FILTER],
    ["PROHIBITED_CONTENT", FinishReason.CONTENT_FILTER],
    ["SPII", FinishReason.CONTENT_FILTER],
    ["OTHER", FinishReason.STOP],
  ])("maps finishReason %s", (reason, finish) => {
    expect(fromGeminiResponse("gem", { candidates: [{ content: { parts: [{ text: "x" }] }, finishReason: reason }] }, false).finishReason).toBe(finish);
  });

  it("maps a blocked prompt to CONTENT_FILTER and an in-band error body to its code", () => {
    expect(fromGeminiResponse("gem", { promptFeedback: { blockReason: "SAFETY" } }, false).finishReason).toBe(FinishReason.CONTENT_FILTER);
    const err = (() => {
      try {
        fromGeminiResponse("gem", { error: { code: 429, message: "quota", status: "RESOURCE_EXHAUSTED" } }, false);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).code).toBe("rate_limited");
  });

  it("maps error responses through the status table, with the provider's message for client mistakes", () => {
    const body = JSON.stringify({ error: { code: 400, message: "Invalid JSON payload", status: "INVALID_ARGUMENT" } });
    const err = fromGeminiError("gem", 400, body, undefined);
    expect(err.code).toBe("upstream_rejected");
    expect(err.message).toContain("Invalid JSON payload");
    expect(fromGeminiError("gem", 503, "[" + body + "]", "3")).toMatchObject({ code: "upstream_unavailable", retryAfterS: 3 });
  });
});

describe("Vertex streamed function-call arguments", () => {
  it("adds up JSON-path pieces, concatenating split strings", () => {
    const a = new PartialArgsAssembler();
    a.add({ jsonPath: "$.city", stringValue: "New ", willContinue: true });
    a.add({ jsonPath: "$.city", stringValue: "York" });
    a.add({ jsonPath: "$.days", numberValue: 3 });
    a.add({ jsonPath: "$.opts.metric", boolValue: true });
    a.add({ jsonPath: "$.tags[0]", stringValue: "a" });
    a.add({ jsonPath: "$.none", nullValue: null });
    expect(JSON.parse(a.json())).toEqual({ city: "New York", days: 3, opts: { metric: true }, tags: ["a"], none: null });
  });
});

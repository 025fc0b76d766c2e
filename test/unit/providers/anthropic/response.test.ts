import { describe, expect, it } from "vitest";
import { FinishReason, Role } from "../../../../src/gen/sluice/v1/gateway_pb.js";
import { fromAnthropicError, fromAnthropicStreamError } from "../../../../src/providers/anthropic/errors.js";
import { fromAnthropicMessage } from "../../../../src/providers/anthropic/response.js";

describe("whole Anthropic message -> one chunk", () => {
  const message = {
    id: "msg_1",
    model: "claude-x",
    content: [
      { type: "thinking", thinking: "hmm", signature: "sig" },
      { type: "text", text: "Checking." },
      { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
    ],
    stop_reason: "tool_use",
    usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 30 },
  };

  it("carries text, tool calls, finish reason and normalised usage", () => {
    const chunk = fromAnthropicMessage(message, false);
    expect(chunk).toMatchObject({ id: "msg_1", model: "claude-x", role: Role.ASSISTANT, textDelta: "Checking.", reasoningDelta: "", finishReason: FinishReason.TOOL_CALLS });
    expect(chunk.toolCallDeltas).toMatchObject([{ index: 0, id: "toolu_1", name: "get_weather", argumentsDelta: '{"city":"Paris"}' }]);
    expect(chunk.usage).toMatchObject({ inputTokens: 130, cachedInputTokens: 100, cacheWriteTokens: 20, outputTokens: 30 });
    expect(fromAnthropicMessage(message, true)).toMatchObject({ reasoningDelta: "hmm", reasoningSignature: "sig" });
    expect(fromAnthropicMessage(message, false).reasoningSignature).toBe("");
  });

  it.each([
    ["end_turn", FinishReason.STOP],
    ["stop_sequence", FinishReason.STOP],
    ["pause_turn", FinishReason.STOP],
    ["max_tokens", FinishReason.LENGTH],
    ["tool_use", FinishReason.TOOL_CALLS],
    ["refusal", FinishReason.REFUSAL],
  ])("maps stop_reason %s", (stop, finish) => {
    expect(fromAnthropicMessage({ ...message, stop_reason: stop }, false).finishReason).toBe(finish);
  });
});

describe("Anthropic errors through the one status table", () => {
  const body = (type: string, message: string) => JSON.stringify({ type: "error", error: { type, message } });

  it("maps 529 overloaded to a retryable upstream_unavailable", () => {
    expect(fromAnthropicError("claude", 529, body("overloaded_error", "Overloaded"), undefined).code).toBe("upstream_unavailable");
  });

  it("passes the message of a client mistake and honours retry-after on 429", () => {
    const bad = fromAnthropicError("claude", 400, body("invalid_request_error", "max_tokens: must be positive"), undefined);
    expect(bad.code).toBe("upstream_rejected");
    expect(bad.message).toContain("max_tokens: must be positive");
    const limited = fromAnthropicError("claude", 429, body("rate_limit_error", "slow down"), "12");
    expect(limited.code).toBe("rate_limited");
    expect(limited.retryAfterS).toBe(12);
  });

  it("hides the gateway's own credential problems", () => {
    const err = fromAnthropicError("claude", 401, body("authentication_error", "invalid x-api-key"), undefined);
    expect(err.code).toBe("upstream_unavailable");
    expect(err.message).not.toContain("x-api-key");
  });

  it("maps in-stream error types before content, and cuts after", () => {
    expect(fromAnthropicStreamError("claude", { error: { type: "invalid_request_error", message: "bad" } }, false).code).toBe("upstream_rejected");
    expect(fromAnthropicStreamError("claude", { error: { type: "api_error", message: "boom" } }, false).code).toBe("upstream_unavailable");
    expect(fromAnthropicStreamError("claude", { error: { type: "overloaded_error", message: "x" } }, true).code).toBe("stream_interrupted");
  });
});

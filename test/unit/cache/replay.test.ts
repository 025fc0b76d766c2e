import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ResponseAssembler } from "../../../src/core/canonical.js";
import { FinishReason as FR } from "../../../src/gen/sluice/v1/gateway_pb.js";
import { replayChunks, replayResponse, replayStream, wordPieces } from "../../../src/cache/replay.js";
import { CacheStatus, FinishReason, Role, ToolCallSchema } from "../../../src/gen/sluice/v1/gateway_pb.js";
import { answer, answerText } from "./support/messages.js";

const long = "Paris is the capital of France. It has been the capital since the tenth century, give or take.";

describe("replay of a cached answer", () => {
  it("streams role first, text in word-sized pieces, then one last chunk with finish, zero usage and cache metadata", () => {
    const chunks = replayChunks(answer(long), CacheStatus.HIT_SEMANTIC, { requestId: "req-9" });
    expect(chunks[0]!.role).toBe(Role.ASSISTANT);
    expect(chunks[0]!.textDelta).toBe("");
    const texts = chunks.slice(1, -1).map((c) => c.textDelta);
    expect(texts.length).toBeGreaterThan(5);
    expect(texts.join("")).toBe(long);
    for (const t of texts) expect(t.trim().split(/\s+/).length).toBeLessThanOrEqual(3);
    const last = chunks.at(-1)!;
    expect(last.finishReason).toBe(FinishReason.STOP);
    expect(last.usage).toMatchObject({ inputTokens: 0, outputTokens: 0 });
    expect(last.metadata).toMatchObject({ cacheStatus: CacheStatus.HIT_SEMANTIC, attempts: 0, costUsd: 0, requestId: "req-9" });
    for (const c of chunks.slice(0, -1)) {
      expect(c.finishReason).toBe(FinishReason.UNSPECIFIED);
      expect(c.usage).toBeUndefined();
    }
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(["chatcmpl-1"]));
  });

  it("streams tool calls as id+name first, then argument pieces, and accumulates back to the same answer", async () => {
    const r = answer("", FinishReason.TOOL_CALLS);
    r.message!.content = [];
    const args = JSON.stringify({ city: "Paris", unit: "celsius", days: [1, 2, 3], note: "a fairly long argument string" });
    r.message!.toolCalls = [
      create(ToolCallSchema, { id: "call_1", name: "get_weather", argumentsJson: args }),
      create(ToolCallSchema, { id: "call_2", name: "get_time", argumentsJson: "{}" }),
    ];
    const chunks: ReturnType<typeof replayChunks> = [];
    for await (const c of replayStream(r, CacheStatus.HIT_EXACT)) chunks.push(c);
    const first = chunks.find((c) => c.toolCallDeltas.length > 0)!;
    expect(first.toolCallDeltas[0]).toMatchObject({ index: 0, id: "call_1", name: "get_weather", argumentsDelta: "" });
    expect(chunks.filter((c) => c.toolCallDeltas[0]?.index === 0).length).toBeGreaterThan(2);

    const acc = new ResponseAssembler();
    for (const c of chunks) acc.add(c);
    const back = acc.response();
    expect(back.finishReason).toBe(FinishReason.TOOL_CALLS);
    expect(back.message!.toolCalls.map((t) => [t.id, t.name, t.argumentsJson])).toEqual([
      ["call_1", "get_weather", args],
      ["call_2", "get_time", "{}"],
    ]);
  });

  it("a stream that never finished has no finish reason (the cache phase never stores it)", () => {
    const acc = new ResponseAssembler();
    for (const c of replayChunks(answer(long), CacheStatus.MISS).slice(0, -1)) acc.add(c);
    expect(acc.response().finishReason).toBe(FR.UNSPECIFIED);
  });

  it("text round-trips through replay and accumulation", () => {
    const acc = new ResponseAssembler();
    for (const c of replayChunks(answer(long), CacheStatus.HIT_EXACT)) acc.add(c);
    expect(answerText(acc.response())).toBe(long);
  });

  it("streams reasoning and its signature before the text, as the unary replay keeps them", () => {
    const r = answer(long);
    r.message!.reasoning = "The user asks about Paris, a capital city.";
    r.message!.reasoningSignature = "sig-abc";
    const chunks = replayChunks(r, CacheStatus.HIT_EXACT);
    const firstText = chunks.findIndex((c) => c.textDelta !== "");
    expect(chunks.slice(0, firstText).some((c) => c.reasoningSignature === "sig-abc")).toBe(true);
    const acc = new ResponseAssembler();
    for (const c of chunks) acc.add(c);
    expect(acc.response().message).toMatchObject({ reasoning: r.message!.reasoning, reasoningSignature: "sig-abc" });
    expect(answerText(acc.response())).toBe(long);
  });

  it("unary replay returns the whole answer with zero usage and the cache status", () => {
    const out = replayResponse(answer(long), CacheStatus.HIT_EXACT);
    expect(answerText(out)).toBe(long);
    expect(out.usage).toMatchObject({ inputTokens: 0, outputTokens: 0 });
    expect(out.metadata).toMatchObject({ cacheStatus: CacheStatus.HIT_EXACT, provider: "openai-main", attempts: 0 });
  });

  it("word pieces keep every character", () => {
    expect(wordPieces("  a b\tc\n d ", 2).join("")).toBe("  a b\tc\n d ");
    expect(wordPieces("", 3)).toEqual([]);
  });
});

// What the route phase tells the router module about a request: prompt features, candidate ids
// and the live candidate table (health, latency, error rate, prices, in-flight).
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ChatRequestSchema, Role } from "../../../src/gen/sluice/v1/gateway_pb.js";
import type { Target } from "../../../src/core/target.js";
import { candidateIds, candidateTable } from "../../../src/pipeline/phases/route.js";
import type { ProviderAdapter } from "../../../src/core/provider.js";
import { looksLikeCode, promptFeatures } from "../../../src/routing/features.js";
import { routingSettings } from "../../../src/routing/settings.js";
import { Router } from "../../../src/routing/router.js";

const msg = (role: Role, text: string) => ({ role, content: [{ part: { case: "text" as const, value: text } }] });

describe("prompt features", () => {
  it("counts characters of every text part and user turns", () => {
    const request = create(ChatRequestSchema, {
      model: "chat",
      messages: [msg(Role.SYSTEM, "be brief"), msg(Role.USER, "hi"), msg(Role.ASSISTANT, "hello!"), msg(Role.USER, "é😀")],
    });
    expect(promptFeatures(request)).toEqual({ lengthChars: 8 + 2 + 6 + 3, hasCode: false, turns: 2 });
  });

  it("detects code: fences, or two code-like lines; prose with one semicolon is not code", () => {
    expect(looksLikeCode("look:\n```\nx\n```")).toBe(true);
    expect(looksLikeCode("~~~py\nprint(1)\n~~~")).toBe(true);
    expect(looksLikeCode("def f(x):\n    return x + 1\n")).toBe(true);
    expect(looksLikeCode("int main() {\n  return 0;\n}")).toBe(true);
    expect(looksLikeCode("I came; I saw. Then I left.")).toBe(false);
    expect(looksLikeCode("Please summarise this article about classes of import duties.")).toBe(false);
  });
});

describe("candidate table", () => {
  const target = (id: string, model: string, weight = 1): Target => ({
    provider: { id } as ProviderAdapter, model, weight, timeouts: { firstTokenMs: 0, idleMs: 0, totalMs: 0 },
  });

  it("ids are provider/model, made unique when an alias lists one twice", () => {
    expect(candidateIds([target("a", "m"), target("b", "m"), target("a", "m")])).toEqual(["a/m", "b/m", "a/m#2"]);
  });

  it("carries health, latency EWMA, error rate, in-flight and prices (prefix patterns too)", () => {
    const router = new Router(routingSettings(undefined));
    router.health.recordSuccess("a", "gpt-4o-mini-2024", 120);
    router.health.recordFailure("b", "big");
    for (let i = 0; i < 5; i++) router.health.recordFailure("c", "down"); // breaker open
    router.health.stats("a", "gpt-4o-mini-2024").inflight = 2;
    const table = candidateTable([target("a", "gpt-4o-mini-2024", 3), target("b", "big"), target("c", "down")], router, {
      "gpt-4o-mini*": { input_per_mtok: 0.15, output_per_mtok: 0.6 },
      big: { input_per_mtok: 5, output_per_mtok: 15 },
    });
    expect(table).toEqual([
      { targetId: "a/gpt-4o-mini-2024", healthy: true, latencyEwmaMs: 120, errorRate: 0, priceInputPerMtok: 0.15, priceOutputPerMtok: 0.6, remainingCapacity: 0, weight: 3, inflight: 2 },
      { targetId: "b/big", healthy: true, latencyEwmaMs: 0, errorRate: expect.closeTo(0.2, 5), priceInputPerMtok: 5, priceOutputPerMtok: 15, remainingCapacity: 0, weight: 1, inflight: 0 },
      { targetId: "c/down", healthy: false, latencyEwmaMs: 0, errorRate: expect.any(Number), priceInputPerMtok: 0, priceOutputPerMtok: 0, remainingCapacity: 0, weight: 1, inflight: 0 },
    ]);
  });
});

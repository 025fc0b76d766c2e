// The inspect phase with the shipped pii module: what it puts on the context, and that the
// request it was given stays as it was (the rewrite shares only what did not change).
import { create, equals, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatRequestSchema, Role, type ChatRequest } from "../../../src/gen/sluice/v1/gateway_pb.js";
import { newContext } from "../../../src/pipeline/context.js";
import { newCallRecord } from "../../../src/core/call-record.js";
import { inspectPhase } from "../../../src/pipeline/phases/inspect.js";
import type { PolicySlot } from "../../../src/policy/host/slot.js";
import { PiiSlot } from "../../../src/policy/pii/api.js";
import { DEFAULT_PII_RULES } from "../../../src/policy/pii/rules.js";
import { loadedSlot } from "./helpers.js";

let slot: PolicySlot;
beforeAll(async () => {
  slot = await loadedSlot("pii-hostio");
});
afterAll(() => slot.close());

const text = (value: string) => ({ part: { case: "text" as const, value } });

function request(): ChatRequest {
  return create(ChatRequestSchema, {
    model: "chat",
    messages: [
      { role: Role.SYSTEM, content: [text("You are terse.")] },
      { role: Role.USER, content: [text("mail me at jane.doe@example.com"), { part: { case: "image", value: { source: { case: "url", value: "https://x/y.png" } } } }, text("no data here")] },
      { role: Role.ASSISTANT, content: [text("ok")] },
      { role: Role.USER, content: [text("card 4111 1111 1111 1111 please")] },
    ],
  });
}

async function inspect(req: ChatRequest) {
  const ctx = newContext({ operation: "chat", record: newCallRecord("test", "r"), credentials: undefined, principal: undefined, signal: new AbortController().signal, stream: false, model: req.model, request: req, onAnswerStart: undefined });
  await inspectPhase(new PiiSlot(slot, DEFAULT_PII_RULES)).onRequest!(ctx);
  return ctx;
}

describe("inspect phase", () => {
  it("rewrites the changed text parts only, keeps other parts in place, and leaves the original request untouched", async () => {
    const original = request();
    const before = toBinary(ChatRequestSchema, original);
    const ctx = await inspect(original);

    expect(toBinary(ChatRequestSchema, original)).toEqual(before);
    const texts = ctx.request.messages.map((m) => m.content.map((p) => (p.part.case === "text" ? p.part.value : p.part.case)));
    expect(texts).toEqual([["You are terse."], ["mail me at <EMAIL_1>", "image", "no data here"], ["ok"], ["card <CARD_1> please"]]);
    expect([...ctx.placeholders!.values()].sort()).toEqual(["4111 1111 1111 1111", "jane.doe@example.com"]);
    // unchanged messages are the same objects; the rewritten ones are new
    expect(ctx.request.messages[0]).toBe(original.messages[0]);
    expect(ctx.request.messages[2]).toBe(original.messages[2]);
    expect(ctx.request.messages[1]).not.toBe(original.messages[1]);
    expect(ctx.request.messages[1]!.content[1]).toBe(original.messages[1]!.content[1]);
    // still a valid ChatRequest for the serializers downstream
    expect(equals(ChatRequestSchema, ctx.request, ctx.request)).toBe(true);
    expect(toBinary(ChatRequestSchema, ctx.request).byteLength).toBeGreaterThan(0);
  });

  it("leaves the request object itself in place when nothing is found", async () => {
    const clean = create(ChatRequestSchema, { model: "chat", messages: [{ role: Role.USER, content: [text("hello there")] }] });
    const ctx = await inspect(clean);
    expect(ctx.request).toBe(clean);
    expect(ctx.placeholders).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ChatRequestSchema, FinishReason, Role, ToolChoiceMode, type ChatChunk, type ChatRequest } from "../../src/gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../src/errors/sluice-error.js";
import { ResponseAssembler } from "../../src/core/canonical.js";
import { closeAdapters, type Harness } from "./harnesses/harness.js";

/**
 * One contract, every adapter (src/providers/adapter.ts states it). Each adapter has a harness
 * file in ./harnesses/ saying how to get an adapter and a model for each scenario; the
 * assertions here are shared.
 */
const harnesses = Object.values(import.meta.glob<{ default: Harness }>("./harnesses/*.ts", { eager: true }))
  .map((m) => m.default)
  .filter((h) => h !== undefined);

function request(init: Partial<ChatRequest> = {}): ChatRequest {
  return create(ChatRequestSchema, {
    model: "ignored",
    messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "contract test text" } }] }],
    ...init,
  } as never);
}

async function collect(it: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

afterAll(() => closeAdapters());

it("finds a harness for every provider kind", async () => {
  const { providerKinds } = await import("../../src/providers/kinds.js");
  expect(harnesses.length).toBeGreaterThanOrEqual(providerKinds.length);
});

describe.each(harnesses)("provider adapter contract: $name", (h) => {
  beforeAll(() => h.setup());
  afterAll(() => h.teardown());

  for (const stream of [true, false]) {
    it(`answers text (${stream ? "stream" : "whole"}): role first, one finish reason, usage`, async () => {
      const { adapter, model } = h.target("echo");
      const chunks = await collect(adapter.chat({ request: request(), model, stream, signal: new AbortController().signal }));
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks.find((c) => c.role !== Role.UNSPECIFIED)?.role).toBe(Role.ASSISTANT);
      expect(chunks.filter((c) => c.finishReason !== FinishReason.UNSPECIFIED).map((c) => c.finishReason)).toEqual([FinishReason.STOP]);
      const asm = new ResponseAssembler();
      chunks.forEach((c) => asm.add(c));
      const res = asm.response();
      expect(res.message?.content[0]?.part.value).toBe("contract test text");
      expect(res.usage?.inputTokens).toBeGreaterThan(0);
      expect(res.usage?.outputTokens).toBeGreaterThan(0);
    });
  }

  it("answers tool calls with an id, the tool's name and JSON arguments", async () => {
    const { adapter, model } = h.target("tools");
    const req = request({
      tools: [{ name: "get_weather", parametersJson: '{"type":"object"}' } as never],
      toolChoice: { choice: { case: "mode", value: ToolChoiceMode.REQUIRED } } as never,
    });
    const asm = new ResponseAssembler();
    for await (const c of adapter.chat({ request: req, model, stream: true, signal: new AbortController().signal })) asm.add(c);
    const res = asm.response();
    expect(res.finishReason).toBe(FinishReason.TOOL_CALLS);
    expect(res.message!.toolCalls.length).toBeGreaterThan(0);
    const call = res.message!.toolCalls[0]!;
    expect(call.id).not.toBe("");
    expect(call.name).toBe("get_weather");
    expect(() => JSON.parse(call.argumentsJson)).not.toThrow();
  });

  for (const stream of [true, false]) {
    const mode = stream ? "stream" : "whole";
    it(`fails before the first chunk with a catalog error (${mode})`, async () => {
      const { adapter, model } = h.target("failing");
      const err = await collect(adapter.chat({ request: request(), model, stream, signal: new AbortController().signal })).catch((e) => e);
      expect(err).toBeInstanceOf(SluiceError);
      expect((err as SluiceError).code).toBe("upstream_unavailable");
    });

    it(`stops promptly when the signal aborts (${mode})`, async () => {
      const { adapter, model } = h.target("hanging");
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 50);
      const err = await collect(adapter.chat({ request: request(), model, stream, signal: controller.signal })).catch((e) => e);
      expect(err).toBeInstanceOf(SluiceError);
      expect((err as SluiceError).code).toBe("cancelled");
      expect(Date.now() - started).toBeLessThan(5000);
    });
  }
});

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FinishReason, Role, type ChatChunk } from "../../../../src/gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../../../src/errors/sluice-error.js";
import { ResponseAssembler } from "../../../../src/core/canonical.js";
import { fromAnthropicStream } from "../../../../src/providers/anthropic/stream.js";

const dir = fileURLToPath(new URL("../../../fixtures/anthropic/", import.meta.url));
const recorded = readdirSync(dir).filter((f) => f.endsWith(".sse")).map((f) => f.slice(0, -".sse".length));

/** The wire text as a byte stream, cut every `size` bytes (or at each event when size is 0). */
async function* bytes(text: string, size = 0): AsyncGenerator<Uint8Array> {
  const all = Buffer.from(text, "utf8");
  if (size === 0) {
    for (const event of text.split(/(?<=\n\n)/)) yield Buffer.from(event, "utf8");
    return;
  }
  for (let i = 0; i < all.length; i += size) yield all.subarray(i, i + size);
}

async function decode(text: string, passReasoning = false, size = 0): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of fromAnthropicStream("claude", bytes(text, size), passReasoning)) out.push(c);
  return out;
}

function assemble(chunks: ChatChunk[]) {
  const asm = new ResponseAssembler();
  chunks.forEach((c) => asm.add(c));
  return asm.response();
}

const stopReasons: Record<string, FinishReason> = {
  end_turn: FinishReason.STOP,
  tool_use: FinishReason.TOOL_CALLS,
  max_tokens: FinishReason.LENGTH,
  refusal: FinishReason.REFUSAL,
};

it("has every recorded Anthropic stream of the corpus", () => {
  expect(recorded.length).toBe(5);
});

describe.each(recorded)("recorded Anthropic stream %s", (name) => {
  const sse = readFileSync(dir + `${name}.sse`, "utf8");
  const expected = JSON.parse(readFileSync(dir + `${name}.expected.json`, "utf8"));
  const message = expected.derived_by_corpus_builder.message;

  for (const size of [0, 7]) {
    it(`decodes to the expected text, tool calls, stop reason and usage (${size ? `${size}-byte writes` : "one write per event"})`, async () => {
      const chunks = await decode(sse, false, size);
      const res = assemble(chunks);
      expect(res.message!.content[0]?.part.value ?? "").toBe(expected.derived_by_corpus_builder.final_text);
      if (expected.asserted_by_test?.finalText !== undefined) expect(res.message!.content[0]?.part.value).toBe(expected.asserted_by_test.finalText);
      // Only `tool_use` blocks are the client's calls; server tools (web search) are Anthropic's own.
      const toolUses = message.content.filter((b: any) => b.type === "tool_use");
      expect(res.message!.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.argumentsJson }))).toEqual(
        toolUses.map((b: any) => ({ id: b.id, name: b.name, arguments: b.input_json_concatenated })),
      );
      for (const [i, b] of toolUses.entries()) {
        if (b.input_json_complete) expect(JSON.parse(res.message!.toolCalls[i]!.argumentsJson)).toEqual(b.input);
      }
      expect(res.finishReason).toBe(stopReasons[message.stop_reason]);
      const u = message.usage;
      expect(res.usage).toMatchObject({
        inputTokens: u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens,
        outputTokens: u.output_tokens,
        cachedInputTokens: u.cache_read_input_tokens,
        cacheWriteTokens: u.cache_creation_input_tokens,
        reasoningTokens: u.output_tokens_details?.thinking_tokens ?? 0,
      });
      expect(res.id).toBe(message.id);
      expect(res.model).toBe(message.model);
      // The contract: role on the first chunk, exactly one finish reason, on the last chunk.
      expect(chunks[0]!.role).toBe(Role.ASSISTANT);
      expect(chunks.filter((c) => c.finishReason !== FinishReason.UNSPECIFIED)).toHaveLength(1);
      expect(chunks.at(-1)!.finishReason).not.toBe(FinishReason.UNSPECIFIED);
      expect(res.message!.reasoning).toBe("");
    });
  }

  it("passes thinking as reasoning only when configured to", async () => {
    const thinking = message.content.filter((b: any) => b.type === "thinking").map((b: any) => b.thinking).join("");
    expect(assemble(await decode(sse, true)).message!.reasoning).toBe(thinking);
  });

  it("keeps the thinking block's signature with the reasoning (signature_delta), only when passed", async () => {
    const refusal = readFileSync(`${dir}stream-a-refusal.sse`, "utf8");
    const expected = JSON.parse(readFileSync(`${dir}stream-a-refusal.expected.json`, "utf8")).derived_by_corpus_builder.message.content[0];
    expect(assemble(await decode(refusal, true)).message).toMatchObject({ reasoning: expected.thinking, reasoningSignature: expected.signature });
    expect(assemble(await decode(refusal, false)).message).toMatchObject({ reasoning: "", reasoningSignature: "" });
  });

  it("reports a cut stream as stream_interrupted", async () => {
    const cut = sse.slice(0, sse.indexOf("event: message_delta"));
    const err = await decode(cut).catch((e) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err.code).toBe("stream_interrupted");
  });
});

describe("Anthropic stream edge cases", () => {
  const start = `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"claude-x","usage":{"input_tokens":10,"cache_read_input_tokens":90,"cache_creation_input_tokens":5,"output_tokens":1}}}\n\n`;
  const stop = `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":7}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n`;

  it("normalises cache usage into input tokens", async () => {
    const res = assemble(await decode(start + stop));
    expect(res.usage).toMatchObject({ inputTokens: 105, cachedInputTokens: 90, cacheWriteTokens: 5, outputTokens: 7 });
  });

  it("gives a tool called without arguments valid JSON arguments", async () => {
    const tool = `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"now","input":{}}}\n\nevent: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n`;
    const res = assemble(await decode(start + tool + stop));
    expect(res.message!.toolCalls).toMatchObject([{ id: "toolu_1", name: "now", argumentsJson: "{}" }]);
    expect(res.finishReason).toBe(FinishReason.TOOL_CALLS);
  });

  it("maps an error event before any content to its catalog code (overloaded: retryable)", async () => {
    const error = `event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n`;
    const err = await decode(start + error).catch((e) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err.code).toBe("upstream_unavailable");
    expect(err.message).toContain("Overloaded");
    const limited = await decode(start + error.replace("overloaded_error", "rate_limit_error")).catch((e) => e);
    expect(limited.code).toBe("rate_limited");
  });

  it("turns an error event after content into stream_interrupted", async () => {
    const text = `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\nevent: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}\n\n`;
    const error = `event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n`;
    const err = await decode(start + text + error).catch((e) => e);
    expect(err.code).toBe("stream_interrupted");
  });

  it("rejects an event that is not JSON", async () => {
    const err = await decode(start + `event: content_block_delta\ndata: {"type":"content_bl\n\n`).catch((e) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err.code).toBe("upstream_unavailable");
  });
});

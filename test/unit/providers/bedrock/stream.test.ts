import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FinishReason, Role, type ChatChunk } from "../../../../src/gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../../../src/errors/sluice-error.js";
import { ResponseAssembler } from "../../../../src/core/canonical.js";
import { ConverseStreamDecoder, fromConverseStream } from "../../../../src/providers/bedrock/stream.js";
import { EventStreamFormatError } from "../../../../src/upstream/eventstream.js";
import { encodeEvents, encodeFrame, recordedEvents } from "../../../support/fake-bedrock.js";

/**
 * Every recorded ConverseStream (test/fixtures/bedrock/converse_stream, binary event-stream
 * bytes) through the stream decoder, checked against the corpus's expected results.
 */
const dir = fileURLToPath(new URL("../../../fixtures/bedrock/", import.meta.url));
const names = readdirSync(`${dir}converse_stream`)
  .filter((f) => f.endsWith(".eventstream"))
  .map((f) => f.replace(/\.eventstream$/, ""))
  .sort();

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function collect(it: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

function assemble(chunks: ChatChunk[]) {
  const asm = new ResponseAssembler();
  chunks.forEach((c) => asm.add(c));
  return asm.response();
}

const stopReasons: Record<string, FinishReason> = { end_turn: FinishReason.STOP, tool_use: FinishReason.TOOL_CALLS };

describe("ConverseStream fixtures -> canonical chunks", () => {
  it("finds the twelve recorded streams", () => {
    expect(names.length).toBe(12);
  });

  for (const name of names) {
    it(`${name}: text, tool calls, stop reason and usage as expected`, async () => {
      const expected = JSON.parse(readFileSync(`${dir}converse_stream/${name}.expected.json`, "utf8")).derived_by_corpus_builder;
      const bytes = new Uint8Array(readFileSync(`${dir}converse_stream/${name}.eventstream`));
      const chunks = await collect(fromConverseStream("bedrock", "model-x", pieces(bytes, 64), true));
      const res = assemble(chunks);

      expect(chunks[0]!.role).toBe(Role.ASSISTANT);
      expect(chunks.slice(1).every((c) => c.role === Role.UNSPECIFIED)).toBe(true);
      expect(chunks.filter((c) => c.finishReason !== FinishReason.UNSPECIFIED).map((c) => c.finishReason)).toEqual([stopReasons[expected.stop_reason]]);
      if (expected.usage) {
        // Usage never comes before the finish reason, whatever order Bedrock sent them in.
        const finishAt = chunks.findIndex((c) => c.finishReason !== FinishReason.UNSPECIFIED);
        expect(chunks.findIndex((c) => c.usage !== undefined)).toBeGreaterThanOrEqual(finishAt);
      }

      expect(res.message!.content[0]?.part.value ?? "").toBe(expected.text);
      expect(res.message!.reasoning).toBe(expected.reasoning_text);
      expect(
        res.message!.toolCalls.map((c) => ({ id: c.id, name: c.name, input: JSON.parse(c.argumentsJson) })),
      ).toEqual(expected.tool_uses.map((t: any) => ({ id: t.toolUseId, name: t.name, input: t.input_parsed })));
      if (!expected.usage) expect(res.usage).toBeUndefined();
      else {
        expect(res.usage).toMatchObject({
          inputTokens: expected.usage.inputTokens + (expected.usage.cacheReadInputTokens ?? 0) + (expected.usage.cacheWriteInputTokens ?? 0),
          outputTokens: expected.usage.outputTokens,
          cachedInputTokens: expected.usage.cacheReadInputTokens ?? 0,
        });
      }
    });

    it(`${name}: the binary stream decodes to exactly the recorded events`, async () => {
      const fromBinary = await collect(fromConverseStream("bedrock", "model-x", pieces(new Uint8Array(readFileSync(`${dir}converse_stream/${name}.eventstream`)), 7), true));
      const decoder = new ConverseStreamDecoder("model-x", true);
      const fromJsonl: ChatChunk[] = [];
      for (const event of recordedEvents(name)) fromJsonl.push(...decoder.push(event));
      const strip = (cs: ChatChunk[]) => cs.map(({ created: _c, ...rest }) => rest);
      expect(strip(fromBinary)).toEqual(strip(fromJsonl));
    });
  }

  it("drops reasoning unless the provider passes it", async () => {
    const bytes = new Uint8Array(readFileSync(`${dir}converse_stream/amazon-bedrock-reasoning.eventstream`));
    const dropped = assemble(await collect(fromConverseStream("bedrock", "m", pieces(bytes, 100), false)));
    const passed = assemble(await collect(fromConverseStream("bedrock", "m", pieces(bytes, 100), true)));
    expect(dropped.message!.reasoning).toBe("");
    expect(passed.message!.reasoning.length).toBeGreaterThan(50);
    expect(dropped.message!.content).toEqual(passed.message!.content);
  });

  it("counts prompt-cache tokens into input tokens (canonical rule) and keeps them apart", async () => {
    const chunks = await collect(
      fromConverseStream(
        "bedrock",
        "m",
        pieces(
          encodeEvents([
            { type: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { text: "hi" } } },
            { type: "metadata", payload: { usage: { inputTokens: 10, outputTokens: 2, cacheReadInputTokens: 100, cacheWriteInputTokens: 20, totalTokens: 132 } } },
            { type: "messageStop", payload: { stopReason: "max_tokens" } },
          ]),
          1000,
        ),
        false,
      ),
    );
    const res = assemble(chunks);
    expect(res.finishReason).toBe(FinishReason.LENGTH);
    expect(res.usage).toMatchObject({ inputTokens: 130, outputTokens: 2, cachedInputTokens: 100, cacheWriteTokens: 20 });
    expect(chunks.at(-1)!.finishReason).toBe(FinishReason.LENGTH);
    expect(chunks.at(-1)!.usage).toBeDefined();
  });

  it("maps guardrail and content-filter stops to CONTENT_FILTER", async () => {
    for (const stopReason of ["guardrail_intervened", "content_filtered"]) {
      const decoder = new ConverseStreamDecoder("m", false);
      const [chunk] = [...decoder.push({ type: "messageStop", payload: { stopReason } })];
      expect(chunk!.finishReason).toBe(FinishReason.CONTENT_FILTER);
    }
  });
});

describe("ConverseStream failures", () => {
  const exceptionFrame = new Uint8Array(readFileSync(`${dir}model-stream-error-exception.eventstream`));

  it("the recorded modelStreamErrorException before any content fails with a retryable catalog error", async () => {
    const err = await collect(fromConverseStream("bedrock", "m", pieces(exceptionFrame, 50), false)).catch((e) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect((err as SluiceError).code).toBe("upstream_unavailable");
    expect((err as SluiceError).message).toContain("modelStreamErrorException: Model Stream Error");
  });

  it("the same exception after content is stream_interrupted, after the content was delivered", async () => {
    const bytes = Buffer.concat([encodeEvents([{ type: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { text: "partial" } } }]), exceptionFrame]);
    const got: ChatChunk[] = [];
    const err = await (async () => {
      for await (const c of fromConverseStream("bedrock", "m", pieces(bytes, 30), false)) got.push(c);
    })().catch((e) => e);
    expect(got.map((c) => c.textDelta)).toEqual(["partial"]);
    expect((err as SluiceError).code).toBe("stream_interrupted");
  });

  it("a throttlingException frame before content is rate_limited; a validationException is upstream_rejected", async () => {
    for (const [type, code] of [
      ["throttlingException", "rate_limited"],
      ["validationException", "upstream_rejected"],
      ["serviceUnavailableException", "upstream_unavailable"],
    ] as const) {
      const frame = encodeFrame({ ":message-type": "exception", ":exception-type": type, ":content-type": "application/json" }, { message: "nope" });
      const err = await collect(fromConverseStream("bedrock", "m", pieces(frame, 1000), false)).catch((e) => e);
      expect((err as SluiceError).code).toBe(code);
    }
  });

  it("a stream that ends before messageStop was cut", async () => {
    const bytes = new Uint8Array(readFileSync(`${dir}converse_stream/amazon-bedrock-text.eventstream`));
    const events = recordedEvents("amazon-bedrock-text");
    const cut = encodeEvents(events.slice(0, 5));
    expect(Buffer.compare(Buffer.from(bytes.subarray(0, cut.length)), cut)).toBe(0); // same framing as the recording
    const err = await collect(fromConverseStream("bedrock", "m", pieces(cut, 100), false)).catch((e) => e);
    expect((err as SluiceError).code).toBe("stream_interrupted");
    expect((err as SluiceError).message).toMatch(/before messageStop/);
  });

  it("a corrupted frame is a format error, never a hang or a wrong answer", async () => {
    const bytes = new Uint8Array(readFileSync(`${dir}converse_stream/amazon-bedrock-text.eventstream`));
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0x01;
    const err = await collect(fromConverseStream("bedrock", "m", pieces(bytes, 100), false)).catch((e) => e);
    expect(err).toBeInstanceOf(EventStreamFormatError);
  });
});

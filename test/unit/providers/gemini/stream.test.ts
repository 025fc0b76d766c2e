import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FinishReason, Role, type ChatChunk } from "../../../../src/gen/sluice/v1/gateway_pb.js";
import { SluiceError } from "../../../../src/errors/sluice-error.js";
import { ResponseAssembler } from "../../../../src/core/canonical.js";
import { fromGeminiStream } from "../../../../src/providers/gemini/stream.js";

const dir = fileURLToPath(new URL("../../../fixtures/gemini/", import.meta.url));
const recorded = readdirSync(dir)
  .filter((f) => f.endsWith(".sse") && !f.startsWith("sluice_"))
  .map((f) => f.slice(0, -".sse".length));

/**
 * Vertex streams some calls' arguments as JSON-path pieces (`partialArgs`); the corpus lists
 * the raw pieces, so the arguments they add up to are written out here by hand.
 */
const streamedArguments: Record<string, Record<string, unknown>> = {
  getCurrentWeather: { location: "NewYorkCity", unit: "C", country: "USA", purpose: "to know what to wear today" },
  customDivide: { denominator: 2, numerator: 100 },
  greet: { greeting: "Hello", name: "jone smith" },
};

async function* bytes(text: string, size = 0): AsyncGenerator<Uint8Array> {
  if (size === 0) {
    for (const event of text.split(/(?<=\n\n)/)) yield Buffer.from(event, "utf8");
    return;
  }
  const all = Buffer.from(text, "utf8");
  for (let i = 0; i < all.length; i += size) yield all.subarray(i, i + size);
}

async function decode(text: string, passReasoning = false, size = 0): Promise<ChatChunk[]> {
  const out: ChatChunk[] = [];
  for await (const c of fromGeminiStream("gem", bytes(text, size), passReasoning)) out.push(c);
  return out;
}

function assemble(chunks: ChatChunk[]) {
  const asm = new ResponseAssembler();
  chunks.forEach((c) => asm.add(c));
  return asm.response();
}

/** The client's calls the expected file implies: whole calls, plus streamed ones added up. */
function expectedCalls(functionCalls: any[], sse: string): Array<{ name: string; args: unknown }> {
  // A call answered by a functionResponse inside the model's own stream ran on Gemini's side
  // (server-side MCP tools); it is not the client's to make.
  if (sse.includes('"functionResponse"')) return [];
  const out: Array<{ name: string; args: unknown }> = [];
  for (const fc of functionCalls) {
    if (!fc.name) continue;
    out.push({ name: fc.name, args: fc.partialArgs || fc.willContinue ? streamedArguments[fc.name] : fc.args });
  }
  return out;
}

it("has every recorded Gemini stream of the corpus", () => {
  expect(recorded.length).toBe(31);
});

describe.each(recorded)("recorded Gemini stream %s", (name) => {
  const sse = readFileSync(dir + `${name}.sse`, "utf8");
  const expected = JSON.parse(readFileSync(dir + `${name}.expected.json`, "utf8")).derived_by_corpus_builder;

  if (expected.finish_reason === null) {
    it("is an empty stream: an error, not an empty answer", async () => {
      const err = await decode(sse).catch((e) => e);
      expect(err).toBeInstanceOf(SluiceError);
      expect(err.code).toBe("upstream_unavailable");
    });
    return;
  }

  for (const size of [0, 5]) {
    it(`decodes to the expected text, tool calls, finish reason and usage (${size ? `${size}-byte writes` : "one write per event"})`, async () => {
      const chunks = await decode(sse, false, size);
      const res = assemble(chunks);
      expect(res.message!.content[0]?.part.value ?? "").toBe(expected.text);
      const calls = expectedCalls(expected.function_calls, sse);
      expect(res.message!.toolCalls.map((c) => ({ name: c.name, args: JSON.parse(c.argumentsJson) }))).toEqual(calls);
      res.message!.toolCalls.forEach((c, i) => expect(c.id).toBe(`call_${i}`));
      const finish = { STOP: FinishReason.STOP, MAX_TOKENS: FinishReason.LENGTH }[expected.finish_reason as string];
      expect(res.finishReason).toBe(calls.length > 0 ? FinishReason.TOOL_CALLS : finish);
      const u = expected.usage_metadata_last;
      expect(res.usage).toMatchObject({
        inputTokens: u.promptTokenCount,
        cachedInputTokens: u.cachedContentTokenCount ?? 0,
        outputTokens: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0),
        reasoningTokens: u.thoughtsTokenCount ?? 0,
      });
      expect(res.model).toBe(expected.model_version);
      expect(chunks[0]!.role).toBe(Role.ASSISTANT);
      expect(chunks.filter((c) => c.finishReason !== FinishReason.UNSPECIFIED)).toHaveLength(1);
      expect(chunks.at(-1)!.finishReason).not.toBe(FinishReason.UNSPECIFIED);
    });
  }

  it("passes thought text as reasoning only when configured to", async () => {
    expect(assemble(await decode(sse, true)).message!.reasoning).toBe(expected.thought_text);
  });
});

describe("Gemini stream edge cases", () => {
  const event = (obj: unknown) => `data: ${JSON.stringify(obj)}\r\n\r\n`;
  const text = (t: string, extra: object = {}) => event({ candidates: [{ content: { parts: [{ text: t }], role: "model" }, ...extra }], modelVersion: "gemini-x", responseId: "r1" });

  it("reports a stream cut before its finish reason as stream_interrupted", async () => {
    const err = await decode(text("Hel")).catch((e) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err.code).toBe("stream_interrupted");
  });

  it("passes thought parts as reasoning when configured, drops them otherwise", async () => {
    const sse =
      event({ candidates: [{ content: { parts: [{ text: "pondering", thought: true }], role: "model" } }] }) +
      text("answer", { finishReason: "STOP" }) +
      event({ usageMetadata: { promptTokenCount: 10, cachedContentTokenCount: 4, candidatesTokenCount: 3, thoughtsTokenCount: 20 } });
    const passed = assemble(await decode(sse, true));
    expect(passed.message!.reasoning).toBe("pondering");
    expect(passed.usage).toMatchObject({ inputTokens: 10, cachedInputTokens: 4, outputTokens: 23, reasoningTokens: 20 });
    const dropped = assemble(await decode(sse, false));
    expect(dropped.message!.reasoning).toBe("");
    expect(dropped.message!.content[0]!.part.value).toBe("answer");
  });

  it("maps safety finish reasons and a blocked prompt to CONTENT_FILTER", async () => {
    expect(assemble(await decode(text("", { finishReason: "SAFETY" }))).finishReason).toBe(FinishReason.CONTENT_FILTER);
    const blocked = assemble(await decode(event({ promptFeedback: { blockReason: "PROHIBITED_CONTENT" }, usageMetadata: { promptTokenCount: 7 } })));
    expect(blocked.finishReason).toBe(FinishReason.CONTENT_FILTER);
    expect(blocked.usage?.inputTokens).toBe(7);
  });

  it("uses the part's id for a call when Gemini sends one", async () => {
    const sse = event({ candidates: [{ content: { parts: [{ functionCall: { id: "fc-7", name: "get_weather", args: { city: "Paris" } } }] }, finishReason: "STOP" }] });
    expect(assemble(await decode(sse)).message!.toolCalls).toMatchObject([{ id: "fc-7", name: "get_weather", argumentsJson: '{"city":"Paris"}' }]);
  });

  it("maps an in-band error event before content to its code, after content to stream_interrupted", async () => {
    const error = event({ error: { code: 429, message: "Resource exhausted", status: "RESOURCE_EXHAUSTED" } });
    const before = await decode(error).catch((e) => e);
    expect(before.code).toBe("rate_limited");
    const after = await decode(text("Hel") + error).catch((e) => e);
    expect(after.code).toBe("stream_interrupted");
  });
});

/** The Gemini cases of the shared SSE decoder corpus, through the whole Gemini decoder. */
describe("Gemini cases of the SSE decoder corpus", () => {
  const cases = (JSON.parse(readFileSync(fileURLToPath(new URL("../../../fixtures/sse/sse_decoder_cases.json", import.meta.url)), "utf8")).cases as any[]).filter(
    (c) => c.provider_wire === "gemini-sse" && c.expected_json_payloads.every((p: any) => p.candidates),
  );
  async function* writes(c: any): AsyncGenerator<Uint8Array> {
    for (const w of c.chunks) yield w.hex !== undefined ? Buffer.from(w.hex, "hex") : Buffer.from(w.utf8, "utf8");
  }

  it.each(cases.map((c) => [c.id, c]))("%s", async (_id, c) => {
    const chunks: ChatChunk[] = [];
    let error: unknown;
    try {
      for await (const chunk of fromGeminiStream("gem", writes(c), false)) chunks.push(chunk);
    } catch (err) {
      error = err;
    }
    const text = c.expected_json_payloads.map((p: any) => p.candidates[0].content.parts.map((part: any) => part.text).join("")).join("");
    expect(chunks.map((x) => x.textDelta).join("")).toBe(text);
    if (c.expected_error) {
      expect(error).toBeInstanceOf(SluiceError);
      expect((error as SluiceError).code).toBe(chunks.length > 0 ? "stream_interrupted" : "upstream_unavailable");
    } else {
      expect(error).toBeUndefined();
    }
  });
});

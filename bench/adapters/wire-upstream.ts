import http from "node:http";
import type { AddressInfo } from "node:net";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

/**
 * A zero-delay upstream that streams `chunks` text deltas in each provider's wire format, so
 * the benchmark measures the gateway's translation of each format and nothing else. The
 * streams are built once at start; each request gets the same bytes.
 */
function wireStreams(chunks: number): Record<string, Buffer> {
  const words = Array.from({ length: chunks }, (_, i) => ` word${i}`);
  const sse = (events: Array<{ event?: string; data: unknown }>) =>
    Buffer.from(events.map((e) => (e.event ? `event: ${e.event}\n` : "") + `data: ${typeof e.data === "string" ? e.data : JSON.stringify(e.data)}\n\n`).join(""));

  const oai = (delta: object, finish: string | null) => ({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] });
  const openai = sse([
    { data: oai({ role: "assistant", content: "" }, null) },
    ...words.map((w) => ({ data: oai({ content: w }, null) })),
    { data: oai({}, "stop") },
    { data: { id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { prompt_tokens: 10, completion_tokens: chunks, total_tokens: 10 + chunks } } },
    { data: "[DONE]" },
  ]);

  const anthropic = sse([
    { event: "message_start", data: { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "claude", content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 1 } } } },
    { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } } },
    ...words.map((w) => ({ event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: w } } })),
    { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
    { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: chunks } } },
    { event: "message_stop", data: { type: "message_stop" } },
  ]);

  const gemini = sse([
    ...words.map((w) => ({ data: { candidates: [{ content: { role: "model", parts: [{ text: w }] }, index: 0 }], modelVersion: "gemini" } })),
    { data: { candidates: [{ content: { role: "model", parts: [{ text: "" }] }, finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: 10, candidatesTokenCount: chunks, totalTokenCount: 10 + chunks } } },
  ]);

  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const frame = (type: string, body: object) =>
    Buffer.from(
      codec.encode({
        headers: {
          ":event-type": { type: "string", value: type },
          ":content-type": { type: "string", value: "application/json" },
          ":message-type": { type: "string", value: "event" },
        },
        body: fromUtf8(JSON.stringify(body)),
      }),
    );
  const bedrock = Buffer.concat([
    frame("messageStart", { role: "assistant", p: "x" }),
    ...words.map((w) => frame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: w }, p: "x" })),
    frame("contentBlockStop", { contentBlockIndex: 0, p: "x" }),
    frame("messageStop", { stopReason: "end_turn", p: "x" }),
    frame("metadata", { usage: { inputTokens: 10, outputTokens: chunks, totalTokens: 10 + chunks }, metrics: { latencyMs: 1 }, p: "x" }),
  ]);
  return { openai, "azure-openai": openai, anthropic, gemini, bedrock };
}

/** Routes each provider's request path to its stream. Prints nothing; returns the base URL. */
export async function startWireUpstream(chunks: number): Promise<{ url: string; close(): Promise<void> }> {
  const streams = wireStreams(chunks);
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const url = req.url ?? "";
      const kind = url.includes("/converse-stream")
        ? "bedrock"
        : url.includes(":streamGenerateContent")
          ? "gemini"
          : url.includes("/messages")
            ? "anthropic"
            : "openai";
      res.writeHead(200, { "content-type": kind === "bedrock" ? "application/vnd.amazon.eventstream" : "text/event-stream" });
      res.end(streams[kind]);
    });
  });
  server.on("connection", (s) => s.setNoDelay(true));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

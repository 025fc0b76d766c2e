import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The benchmark's upstream: an OpenAI-compatible chat-completions server that answers at once
 * (no model, no delay), so what the benchmark sees is the cost of HTTP and of the gateway.
 * Streaming answers send `STREAM_CHUNKS` content chunks, a finish chunk, usage and [DONE].
 * Prints `ready <port>` when listening. Run: node dist/bench/proxy/mock-upstream.js [port]
 */
const STREAM_CHUNKS = 16;
const created = 1731000000;
const completion = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created,
  model: "bench-1",
  choices: [{ index: 0, message: { role: "assistant", content: "The quick brown fox jumps over the lazy dog.", refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 24, completion_tokens: 10, total_tokens: 34 },
});
const chunk = (delta: object, finish: string | null) =>
  `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created, model: "bench-1", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
const streamBody =
  chunk({ role: "assistant", content: "" }, null) +
  Array.from({ length: STREAM_CHUNKS }, (_, i) => chunk({ content: ` word${i}` }, null)).join("") +
  chunk({}, "stop") +
  `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created, model: "bench-1", choices: [], usage: { prompt_tokens: 24, completion_tokens: STREAM_CHUNKS, total_tokens: 24 + STREAM_CHUNKS } })}\n\n` +
  "data: [DONE]\n\n";

const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const parts: Buffer[] = [];
  req.on("data", (d: Buffer) => parts.push(d));
  req.on("end", () => {
    // A cheap look at the body instead of JSON.parse: the upstream should cost as little as possible.
    const streaming = Buffer.concat(parts).includes('"stream":true');
    if (streaming) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(streamBody);
    } else {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(completion) });
      res.end(completion);
    }
  });
});
server.on("connection", (s) => s.setNoDelay(true));
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  console.log(`ready ${(server.address() as AddressInfo).port}`);
});
process.on("SIGTERM", () => process.exit(0));

import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The benchmark's upstream: an OpenAI-compatible chat-completions server that answers at once
 * (no model, no delay), so what the benchmark sees is the cost of HTTP and of the gateway.
 * Streaming answers send `STREAM_CHUNKS` content chunks, a finish chunk, usage and [DONE], all in
 * one write; a request whose body names the user `paced` gets them one event at a time,
 * `PACE_MS` apart, as a model's tokens arrive (each event its own read downstream).
 * Prints `ready <port>` when listening. Run: node dist/bench/proxy/mock-upstream.js [port]
 */
const STREAM_CHUNKS = 16;
const PACE_MS = 5;
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
const streamEvents = streamBody.split(/(?<=\n\n)/);

/** The events one at a time, PACE_MS apart. */
function sendPaced(res: http.ServerResponse, i = 0): void {
  if (res.destroyed) return;
  if (i === streamEvents.length - 1) {
    res.end(streamEvents[i]);
    return;
  }
  res.write(streamEvents[i]);
  setTimeout(sendPaced, PACE_MS, res, i + 1);
}

const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const parts: Buffer[] = [];
  req.on("data", (d: Buffer) => parts.push(d));
  req.on("end", () => {
    // A cheap look at the body instead of JSON.parse: the upstream should cost as little as possible.
    const body = Buffer.concat(parts);
    if (body.includes('"stream":true')) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (body.includes('"user":"paced"')) sendPaced(res);
      else res.end(streamBody);
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

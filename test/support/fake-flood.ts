import http from "node:http";
import { listenLoopback } from "./fake-upstream.js";

/**
 * A fake OpenAI-compatible upstream that streams long answers and respects backpressure
 * (a write that returns false waits for `drain`), so it shows how fast its client (the
 * gateway) really reads. The request's `model` picks the answer:
 * - `flood:<bytes>`  an SSE stream of about that many bytes (1 KiB of text per chunk)
 * Anything else answers 404.
 */
export interface FloodUpstream {
  url: string;
  /** Streams begun. */
  started: number;
  /** Bytes of SSE the fake has handed to `res.write` so far, all streams together. */
  bytesWritten: number;
  /** Streams that ended (every byte written). */
  finished: number;
  /** Streams whose client (the gateway) went away before the end. */
  abortedByClient: number;
  close(): Promise<void>;
}

const TEXT = "x".repeat(1024);

export async function startFloodUpstream(): Promise<FloodUpstream> {
  const state: FloodUpstream = { url: "", started: 0, bytesWritten: 0, finished: 0, abortedByClient: 0, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw);
    const [kind, arg] = String(body.model).split(":");
    if (kind !== "flood") {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "unknown model", type: "invalid_request_error" } }));
      return;
    }
    state.started++;
    res.on("close", () => {
      if (!res.writableFinished) state.abortedByClient++;
    });
    const total = Number(arg);
    const base = { id: "chatcmpl-flood", object: "chat.completion.chunk", created: 1731000000, model: "flood-1" };
    const event = (delta: object, finish: string | null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.writeHead(200, { "content-type": "text/event-stream" });
    const send = async (text: string): Promise<boolean> => {
      if (res.destroyed) return false;
      state.bytesWritten += Buffer.byteLength(text);
      if (!res.write(text)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off("drain", done);
            res.off("close", done);
            resolve();
          };
          res.on("drain", done);
          res.on("close", done);
        });
      }
      return !res.destroyed;
    };
    let sent = 0;
    if (!(await send(event({ role: "assistant", content: "" }, null)))) return;
    const chunk = event({ content: TEXT }, null);
    while (sent < total) {
      if (!(await send(chunk))) return;
      sent += chunk.length;
    }
    if (!(await send(event({}, "stop")))) return;
    res.end("data: [DONE]\n\n");
    state.finished++;
  });
  const listening = await listenLoopback(server);
  state.url = `${listening.origin}/v1`;
  state.close = listening.close;
  return state;
}

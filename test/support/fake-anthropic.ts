import { readFileSync } from "node:fs";
import http from "node:http";
import { listenLoopback, replaySse, sendJson } from "./fake-upstream.js";
import { fileURLToPath } from "node:url";

const fixtures = fileURLToPath(new URL("../fixtures/anthropic/", import.meta.url));

function anthropicFixture(name: string): string {
  return readFileSync(fixtures + name, "utf8");
}

/**
 * A fake Anthropic Messages API (`POST /v1/messages`) speaking the real wire format
 * (recorded fixtures). The request's `model` picks the behaviour:
 * - `fixture:<name>`   stream: replays test/fixtures/anthropic/<name>.sse one event per write;
 *                      whole: serves <name>.message.json
 * - `echo`             answers the last user turn's text (stream or whole)
 * - `status:<code>`    answers that HTTP status with an Anthropic error body (529: overloaded)
 * - `stream-error`     starts a stream, then sends an `overloaded_error` event before content
 * - `hang`             never answers
 * - `cut:<name>:<n>`   replays n events of <name>.sse, then destroys the connection
 */
export interface FakeAnthropic {
  url: string;
  requests: Array<{ body: any; headers: http.IncomingHttpHeaders; path: string }>;
  abortedByClient: number;
  close(): Promise<void>;
}

const errorTypes: Record<number, string> = { 400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error" };

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const state: FakeAnthropic = { url: "", requests: [], abortedByClient: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    // A fixture missing for the mode asked must fail the request, not leave it hanging.
    handle(req, res).catch((err) => error(res, 500, "api_error", `fake upstream failed: ${(err as Error).message}`));
  });
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw);
    state.requests.push({ body, headers: req.headers, path: req.url ?? "" });
    res.on("close", () => {
      if (!res.writableFinished) state.abortedByClient++;
    });
    if (req.method !== "POST" || req.url !== "/v1/messages") return error(res, 404, "not_found_error", `no route ${req.url}`);
    const model: string = body.model;
    const [kind, arg, arg2] = model.split(":");
    switch (kind) {
      case "fixture":
        if (body.stream) return replaySse(res, anthropicFixture(`${arg}.sse`).split(/(?<=\n\n)/));
        return sendJson(res, 200, anthropicFixture(`${arg}.message.json`));
      case "echo":
        return echo(res, body);
      case "status":
        return error(res, Number(arg), errorTypes[Number(arg)] ?? "api_error", `fake upstream says ${arg}`);
      case "stream-error":
        return replaySse(res, [
          sse("message_start", { type: "message_start", message: { id: "msg_err", type: "message", role: "assistant", model: "claude-fake", content: [], usage: { input_tokens: 3, output_tokens: 1 } } }),
          sse("error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
        ]);
      case "hang":
        return; // never answers
      case "cut": {
        res.writeHead(200, { "content-type": "text/event-stream" });
        for (const e of anthropicFixture(`${arg}.sse`).split(/(?<=\n\n)/).slice(0, Number(arg2))) res.write(e);
        setTimeout(() => res.destroy(), 10);
        return;
      }
      default:
        return error(res, 404, "not_found_error", `model: ${model}`);
    }
  };
  const listening = await listenLoopback(server);
  state.url = `${listening.origin}/v1`;
  state.close = listening.close;
  return state;
}


function error(res: http.ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, JSON.stringify({ type: "error", error: { type, message } }));
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}


function echo(res: http.ServerResponse, body: any): void {
  const last = [...body.messages].reverse().find((m: any) => m.role === "user");
  const text = (Array.isArray(last?.content) ? last.content : [{ type: "text", text: String(last?.content ?? "") }])
    .filter((b: any) => b.type === "text")
    .map((b: any) => b.text)
    .join("");
  const usage = { input_tokens: 5, cache_read_input_tokens: 2, cache_creation_input_tokens: 1, output_tokens: 3 };
  const message = { id: "msg_echo", type: "message", role: "assistant", model: "claude-echo-1" };
  if (!body.stream) {
    sendJson(res, 200, JSON.stringify({ ...message, content: [{ type: "text", text }], stop_reason: "end_turn", stop_sequence: null, usage }));
    return;
  }
  void replaySse(res, [
    sse("message_start", { type: "message_start", message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } }),
    sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
    sse("ping", { type: "ping" }),
    sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } }),
    sse("content_block_stop", { type: "content_block_stop", index: 0 }),
    sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 3 } }),
    sse("message_stop", { type: "message_stop" }),
  ]);
}

import { readFileSync } from "node:fs";
import http from "node:http";
import { listenLoopback, replaySse, sendJson } from "./fake-upstream.js";
import { fileURLToPath } from "node:url";

const fixtures = fileURLToPath(new URL("../fixtures/gemini/", import.meta.url));

export function geminiFixture(name: string): string {
  return readFileSync(fixtures + name, "utf8");
}

/**
 * A fake Gemini API (`POST /v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`) speaking the real wire format (recorded fixtures). The
 * model in the URL picks the behaviour:
 * - `fixture:<name>`   stream: replays test/fixtures/gemini/<name>.sse one event per write;
 *                      whole: serves <name>.response.json
 * - `echo`             answers the last user turn's text (stream or whole)
 * - `status:<code>`    answers that HTTP status with a Google error body
 * - `inband-error`     answers 200 with a stream whose first event is `{"error": {...}}`
 * - `hang`             never answers
 * - `cut:<name>:<n>`   replays n events of <name>.sse, then destroys the connection
 */
export interface FakeGemini {
  url: string;
  requests: Array<{ body: any; headers: http.IncomingHttpHeaders; path: string; model: string; method: string }>;
  abortedByClient: number;
  close(): Promise<void>;
}

const statusNames: Record<number, string> = { 400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE" };

export async function startFakeGemini(): Promise<FakeGemini> {
  const state: FakeGemini = { url: "", requests: [], abortedByClient: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    // A fixture missing for the mode asked must fail the request, not leave it hanging.
    handle(req, res).catch((err) => error(res, 500, `fake upstream failed: ${(err as Error).message}`));
  });
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const route = /^\/v1beta\/models\/(.+):(generateContent|streamGenerateContent)(\?alt=sse)?$/.exec(req.url ?? "");
    const model = route ? decodeURIComponent(route[1]!) : "";
    const stream = route?.[2] === "streamGenerateContent";
    state.requests.push({ body: raw ? JSON.parse(raw) : undefined, headers: req.headers, path: req.url ?? "", model, method: route?.[2] ?? "" });
    res.on("close", () => {
      if (!res.writableFinished) state.abortedByClient++;
    });
    if (req.method !== "POST" || !route || (stream && !route[3])) return error(res, 404, `no route ${req.url}`);
    const body = JSON.parse(raw);
    const [kind, arg, arg2] = model.split(":");
    switch (kind) {
      case "fixture":
        if (stream) return replaySse(res, geminiFixture(`${arg}.sse`).split(/(?<=\r?\n\r?\n)/));
        return sendJson(res, 200, geminiFixture(`${arg}.response.json`));
      case "echo":
        return echo(res, body, stream);
      case "status":
        return error(res, Number(arg), `fake upstream says ${arg}`);
      case "inband-error":
        return replaySse(res, [`data: ${JSON.stringify({ error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } })}\r\n\r\n`]);
      case "hang":
        return; // never answers
      case "cut": {
        res.writeHead(200, { "content-type": "text/event-stream" });
        for (const e of geminiFixture(`${arg}.sse`).split(/(?<=\r?\n\r?\n)/).slice(0, Number(arg2))) res.write(e);
        setTimeout(() => res.destroy(), 10);
        return;
      }
      default:
        return error(res, 404, `models/${model} is not found for API version v1beta`);
    }
  };
  const listening = await listenLoopback(server);
  state.url = `${listening.origin}/v1beta`;
  state.close = listening.close;
  return state;
}


function error(res: http.ServerResponse, code: number, message: string): void {
  sendJson(res, code, JSON.stringify({ error: { code, message, status: statusNames[code] ?? "UNKNOWN" } }));
}


function echo(res: http.ServerResponse, body: any, stream: boolean): void {
  const last = [...body.contents].reverse().find((c: any) => c.role === "user");
  const text = (last?.parts ?? []).map((p: any) => p.text ?? "").join("");
  const base = { modelVersion: "gemini-echo-1", responseId: "resp-echo" };
  const usageMetadata = { promptTokenCount: 6, cachedContentTokenCount: 2, candidatesTokenCount: 3, thoughtsTokenCount: 4, totalTokenCount: 13 };
  const candidate = (t: string, finishReason?: string) => ({ content: { parts: [{ text: t }], role: "model" }, ...(finishReason ? { finishReason } : {}), index: 0 });
  if (!stream) {
    sendJson(res, 200, JSON.stringify({ candidates: [candidate(text, "STOP")], usageMetadata, ...base }));
    return;
  }
  const half = Math.ceil(text.length / 2);
  void replaySse(res, [
    `data: ${JSON.stringify({ candidates: [candidate(text.slice(0, half))], usageMetadata: { promptTokenCount: 6 }, ...base })}\r\n\r\n`,
    `data: ${JSON.stringify({ candidates: [candidate(text.slice(half), "STOP")], usageMetadata, ...base })}\r\n\r\n`,
  ]);
}

import { readFileSync } from "node:fs";
import http from "node:http";
import { listenLoopback, replaySse, sendJson } from "./fake-upstream.js";
import { fileURLToPath } from "node:url";

const fixtures = fileURLToPath(new URL("../fixtures/openai/", import.meta.url));

export function fixtureText(name: string): string {
  return readFileSync(fixtures + name, "utf8");
}

/**
 * A fake OpenAI-compatible upstream that speaks the real wire format (recorded fixtures).
 * The request's `model` picks the behaviour, so one fake serves every case:
 * - `fixture:<name>`  stream: replays test/fixtures/openai/<name>.sse one event per write;
 *                     unary: serves <name>.completion.json
 * - `echo`            answers the last user message (stream or whole), OpenAI shapes
 * - `echo-system`     answers "My instructions are: " + the system prompt (a leaked system
 *                     prompt), streamed 4 characters per chunk
 * - `status:<code>`   answers that HTTP status with an OpenAI error body
 * - `hang`            never answers
 * - `cut:<name>:<n>`  replays n events of <name>.sse, then destroys the connection
 * - `trickle`         sends one chunk, then nothing (until the client goes away)
 * - `garbage`         answers 200 with a body that is not JSON
 * - `reset`           destroys the connection without answering
 */
export interface FakeOpenAI {
  url: string;
  /** Bodies and headers of the requests received, in order. */
  requests: Array<{ body: any; headers: http.IncomingHttpHeaders }>;
  /** Requests whose client (the gateway) closed the connection before the answer ended. */
  abortedByClient: number;
  close(): Promise<void>;
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const state: FakeOpenAI = { url: "", requests: [], abortedByClient: 0, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw);
    state.requests.push({ body, headers: req.headers });
    if (req.url?.endsWith("/embeddings")) {
      // A deterministic 4-d vector per input: its length, its vowel count, then 1 and 0.
      const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
      const data = inputs.map((t, index) => ({ object: "embedding", index, embedding: [t.length, (t.match(/[aeiou]/g) ?? []).length, 1, 0] }));
      return sendJson(res, 200, JSON.stringify({ object: "list", data, model: body.model, usage: { prompt_tokens: inputs.length * 2, total_tokens: inputs.length * 2 } }));
    }
    res.on("close", () => {
      if (!res.writableFinished) state.abortedByClient++;
    });
    const model: string = body.model;
    const [kind, arg, arg2] = model.split(":");
    switch (kind) {
      case "fixture":
        if (body.stream) return replaySse(res, fixtureText(`${arg}.sse`));
        return sendJson(res, 200, fixtureText(`${arg}.completion.json`));
      case "echo":
        return echo(res, body);
      case "echo-system":
        return echoSystem(res, body);
      case "status":
        return sendJson(res, Number(arg), JSON.stringify({ error: { message: `fake upstream says ${arg}`, type: "server_error", code: null } }));
      case "hang":
        return; // never answers
      case "cut": {
        const events = fixtureText(`${arg}.sse`).split(/(?<=\n\n)/).slice(0, Number(arg2));
        res.writeHead(200, { "content-type": "text/event-stream" });
        for (const e of events) res.write(e);
        setTimeout(() => res.destroy(), 10);
        return;
      }
      case "trickle":
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(fixtureText("works.sse").split(/(?<=\n\n)/)[0]);
        return;
      case "garbage":
        return sendJson(res, 200, "<html>not json</html>");
      case "reset":
        req.socket.destroy();
        return;
      default:
        return sendJson(res, 404, JSON.stringify({ error: { message: `The model \`${model}\` does not exist`, type: "invalid_request_error" } }));
    }
  });
  const listening = await listenLoopback(server);
  state.url = `${listening.origin}/v1`;
  state.close = listening.close;
  return state;
}



function echoSystem(res: http.ServerResponse, body: any): void {
  const system = body.messages.find((m: any) => m.role === "system" || m.role === "developer");
  const text = `My instructions are: ${typeof system?.content === "string" ? system.content : ""}`;
  const base = { id: "chatcmpl-leak", created: 1731000000, model: "echo-system-1" };
  if (!body.stream) {
    sendJson(res, 200, JSON.stringify({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage: { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 } }));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.write(chunk({ role: "assistant", content: "" }, null));
  for (let i = 0; i < text.length; i += 4) res.write(chunk({ content: text.slice(i, i + 4) }, null));
  res.write(chunk({}, "stop"));
  res.end("data: [DONE]\n\n");
}

function echo(res: http.ServerResponse, body: any): void {
  const last = [...body.messages].reverse().find((m: any) => m.role === "user");
  const text = typeof last?.content === "string" ? last.content : "";
  const usage = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };
  const base = { id: "chatcmpl-echo", created: 1731000000, model: "echo-1" };
  if (!body.stream) {
    sendJson(res, 200, JSON.stringify({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage }));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.write(chunk({ role: "assistant", content: "" }, null));
  res.write(chunk({ content: text }, null));
  res.write(chunk({}, "stop"));
  if (body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage })}\n\n`);
  res.end("data: [DONE]\n\n");
}

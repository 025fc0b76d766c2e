import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * The soak's OpenAI-compatible upstream (chat completions, streamed or whole, and embeddings),
 * run inside the soak's process so it can count its own sockets. What it does with a request is
 * chosen by the client, per request, with a marker in the last user message (or the first
 * embeddings input): `[fault:<kind>]`. The soak draws the kind from its seeded generator, so a
 * given seed sends the same faults. The marker is obeyed only when the upstream model's name
 * starts with `flaky`; any other model answers normally, so a fallback target heals the request.
 *
 *   ok          a short answer (streamed: a few chunks, a little apart)
 *   long        a long stream (many 1 KiB chunks, written as fast as the socket takes them)
 *   500 / 429   an error status with an OpenAI error body (429 with retry-after: 1)
 *   400         refused as a bad request (not retryable)
 *   hang        never answers
 *   trickle     the headers and one chunk, then nothing
 *   cut         two chunks (or half a JSON body), then the connection is destroyed
 *   malformed   a valid chunk, then an SSE event that is not JSON (unary: a body that is not JSON)
 *   reset       the connection is destroyed without an answer
 */
export interface FakeUpstream {
  /** `http://127.0.0.1:<port>/v1` */
  url: string;
  /** Sockets open now. */
  openSockets(): number;
  /** Requests whose answer has not ended and whose socket is still open. */
  inflight(): number;
  /** Requests received, by fault kind. */
  received: Map<string, number>;
  close(): Promise<void>;
}

const FAULT_RE = /\[fault:([a-z0-9]+)\]/;
const CHUNK_DELAY_MS = 15;
const OK_CHUNKS = 8;
const LONG_CHUNKS = 512;
const LONG_PIECE = "z".repeat(1000);

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const sockets = new Set<Socket>();
  const pending = new Set<http.ServerResponse>();
  const received = new Map<string, number>();
  // The gateway's own timeouts must end hung requests: this server never times a request out.
  const server = http.createServer({ requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: 5_000 }, (req, res) => {
    pending.add(res);
    const done = () => pending.delete(res);
    res.on("finish", done);
    res.on("close", done);
    const parts: Buffer[] = [];
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => {
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(parts).toString("utf8"));
      } catch {
        return json(res, 400, { error: { message: "bad json", type: "invalid_request_error" } });
      }
      const embeddings = req.url?.endsWith("/embeddings") ?? false;
      const kind = faultOf(body, embeddings);
      received.set(kind, (received.get(kind) ?? 0) + 1);
      if (embeddings) embed(req, res, body, kind);
      else chat(req, res, body, kind);
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    openSockets: () => sockets.size,
    inflight: () => [...pending].filter((r) => !r.socket?.destroyed).length,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function faultOf(body: any, embeddings: boolean): string {
  if (typeof body?.model !== "string" || !body.model.startsWith("flaky")) return "ok";
  let text = "";
  if (embeddings) text = String(Array.isArray(body.input) ? body.input[0] : body.input);
  else {
    const users = Array.isArray(body.messages) ? body.messages.filter((m: any) => m?.role === "user") : [];
    const last = users[users.length - 1];
    text = typeof last?.content === "string" ? last.content : JSON.stringify(last?.content ?? "");
  }
  return FAULT_RE.exec(text)?.[1] ?? "ok";
}

function json(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function errorAnswer(res: http.ServerResponse, status: number): void {
  const type = status === 429 ? "rate_limit_error" : status === 400 ? "invalid_request_error" : "server_error";
  json(res, status, { error: { message: `soak upstream says ${status}`, type, code: null }, }, status === 429 ? { "retry-after": "1" } : {});
}

/** Faults shared by chat and embeddings; true when the request was answered (or dropped). */
function commonFault(req: http.IncomingMessage, res: http.ServerResponse, kind: string): boolean {
  switch (kind) {
    case "500":
      errorAnswer(res, 500);
      return true;
    case "429":
      errorAnswer(res, 429);
      return true;
    case "400":
      errorAnswer(res, 400);
      return true;
    case "hang":
      return true;
    case "reset":
      req.socket.destroy();
      return true;
    default:
      return false;
  }
}

const created = 1764900000;
const usage = (completion: number) => ({ prompt_tokens: 24, completion_tokens: completion, total_tokens: 24 + completion });

function chunk(delta: object, finish: string | null): string {
  return `data: ${JSON.stringify({ id: "chatcmpl-soak", object: "chat.completion.chunk", created, model: "soak-1", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

function chat(req: http.IncomingMessage, res: http.ServerResponse, body: any, kind: string): void {
  if (commonFault(req, res, kind)) return;
  if (!body.stream) {
    const text = kind === "long" ? LONG_PIECE.repeat(16) : "The quick brown fox jumps over the lazy dog.";
    const whole = JSON.stringify({
      id: "chatcmpl-soak",
      object: "chat.completion",
      created,
      model: "soak-1",
      choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
      usage: usage(kind === "long" ? completionTokens(body) : 10),
    });
    if (kind === "cut" || kind === "trickle") {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(whole.slice(0, whole.length >> 1));
      if (kind === "cut") setTimeout(() => res.destroy(), 5);
      return;
    }
    if (kind === "malformed") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{\"choices\": [ not json");
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(whole) });
    res.end(whole);
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.write(chunk({ role: "assistant", content: "" }, null));
  if (kind === "long") return void writeLong(res, completionTokens(body));
  let sent = 0;
  const next = () => {
    if (res.destroyed) return;
    if (kind === "trickle" && sent === 1) return; // nothing more, ever
    if (kind === "cut" && sent === 2) return void res.destroy();
    if (kind === "malformed" && sent === 1) {
      res.end("data: {\"choices\": [ {\"delta\": not json\n\n");
      return;
    }
    if (sent === OK_CHUNKS) {
      res.write(chunk({}, "stop"));
      res.write(`data: ${JSON.stringify({ id: "chatcmpl-soak", object: "chat.completion.chunk", created, model: "soak-1", choices: [], usage: usage(OK_CHUNKS) })}\n\n`);
      res.end("data: [DONE]\n\n");
      return;
    }
    res.write(chunk({ content: ` word${sent}` }, null));
    sent++;
    setTimeout(next, CHUNK_DELAY_MS);
  };
  setTimeout(next, CHUNK_DELAY_MS);
}

/** Like a real provider, a long answer stops being billed at the request's max tokens. */
function completionTokens(body: any): number {
  const max = Number(body.max_completion_tokens ?? body.max_tokens ?? 0);
  return max > 0 ? Math.min(max, LONG_CHUNKS * 250) : LONG_CHUNKS * 250;
}

/** A long stream that honours the socket's backpressure, as a real server does. */
function writeLong(res: http.ServerResponse, completion: number): void {
  let sent = 0;
  const pump = () => {
    while (sent < LONG_CHUNKS) {
      if (res.destroyed) return;
      const ok = res.write(chunk({ content: LONG_PIECE }, null));
      sent++;
      if (!ok) return void res.once("drain", pump);
    }
    res.write(chunk({}, "stop"));
    res.write(`data: ${JSON.stringify({ id: "chatcmpl-soak", object: "chat.completion.chunk", created, model: "soak-1", choices: [], usage: usage(completion) })}\n\n`);
    res.end("data: [DONE]\n\n");
  };
  pump();
}

function embed(req: http.IncomingMessage, res: http.ServerResponse, body: any, kind: string): void {
  if (commonFault(req, res, kind)) return;
  if (kind === "malformed" || kind === "cut") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{\"data\": [ truncated");
    return;
  }
  const inputs: string[] = Array.isArray(body.input) ? body.input.map(String) : [String(body.input)];
  const data = inputs.map((t, index) => ({ object: "embedding", index, embedding: vector(t) }));
  json(res, 200, { object: "list", data, model: body.model, usage: { prompt_tokens: inputs.length * 8, total_tokens: inputs.length * 8 } });
}

/** A deterministic 8-d vector from the text. */
function vector(text: string): number[] {
  const v = new Array<number>(8).fill(0);
  for (let i = 0; i < text.length; i++) v[i % 8]! += text.charCodeAt(i) / 1000;
  return v;
}

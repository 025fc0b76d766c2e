import http from "node:http";
import http2 from "node:http2";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import OpenAI from "openai";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { ChatRequestSchema, GatewayService, ListModelsRequestSchema, Role, type ChatChunk, type ChatResponse } from "../../src/gen/sluice/v1/gateway_pb.js";
import { hashApiKey } from "../../src/limits/keys.js";
import { parseConfig } from "../../src/app/load-config.js";
import { startGateway, type RunningGateway } from "../../src/app/start-gateway.js";
import { grpcClient } from "../support/grpc-client.js";

/**
 * The surfaces' common request path: every response carries `x-request-id` (the caller's when
 * it is safe, else a new one), the caller is authenticated before the body is read (no key is
 * 401 / UNAUTHENTICATED whatever the body), and every request leaves one access-log line.
 */
const KEY = "sk-sluice-request-id-test-key";
const ADMIN = "sk-sluice-request-id-admin";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let gateway: RunningGateway;
/** The gateway's log lines (pino JSON), to read the access log. */
const logLines: any[] = [];

async function startLogged(yaml: string, lines: any[]): Promise<RunningGateway> {
  const config = parseConfig(yaml, "request-id test");
  config.dataDir = mkdtempSync(join(tmpdir(), "sluice-request-id-"));
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n")) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return startGateway(config, { port: 0, logger: pino({ level: "debug" }, sink) });
}

beforeAll(async () => {
  gateway = await startLogged(
    `
admin: { keys: [ { id: ops, hash: "${hashApiKey(ADMIN)}" } ] }
tenants:
  - id: acme
    keys: [ { id: acme-ci, hash: "${hashApiKey(KEY)}" } ]
    models: [ "mock-*" ]
`,
    logLines,
  );
});
afterAll(() => gateway?.close());

const auth = { authorization: `Bearer ${KEY}` };
const json = { "content-type": "application/json" };
const chatBody = JSON.stringify({ model: "mock-echo", messages: [{ role: "user", content: "hello" }] });
const request = create(ChatRequestSchema, {
  model: "mock-echo",
  messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hello" } }] }],
});

function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gateway.url}${path}`, { method: "POST", headers: { ...json, ...headers }, body });
}

/** A gRPC message frame (uncompressed) around raw bytes. */
function grpcFrame(payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** One raw HTTP/2 request: response headers (with the HEADERS frame's flags), trailers, body and the stream's reset code. */
async function h2Request(
  headers: http2.OutgoingHttpHeaders,
  body: Buffer | undefined,
  options: { endRequest?: boolean } = {},
): Promise<{ headers: http2.IncomingHttpHeaders; flags: number; trailers: http2.IncomingHttpHeaders; body: Buffer; rstCode: number }> {
  const session = http2.connect(gateway.url);
  try {
    return await new Promise((resolve, reject) => {
      const req = session.request({ ":method": "POST", ...headers }, { endStream: false });
      let head: http2.IncomingHttpHeaders = {};
      let flags = 0;
      let trailers: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      req.on("response", (h, f) => {
        head = h;
        flags = f;
      });
      req.on("trailers", (t) => (trailers = t));
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("error", reject);
      req.on("close", () => resolve({ headers: head, flags, trailers, body: Buffer.concat(chunks), rstCode: req.rstCode ?? 0 }));
      if (body) req.write(body);
      if (options.endRequest !== false) req.end();
    });
  } finally {
    session.close();
  }
}

/** The access-log lines of one request id, once its line is written (the line follows the response). */
async function accessLines(requestId: string, lines: any[] = logLines, tries = 100): Promise<any[]> {
  const mine = () => lines.filter((l) => l.request_id === requestId && (l.msg === "request" || l.msg === "request failed"));
  for (let i = 0; i < tries && mine().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 50)); // a second line, if there were one, would be here by now
  return mine();
}

describe("x-request-id on every REST response", () => {
  it("GET /v1/models", async () => {
    const res = await fetch(`${gateway.url}/v1/models`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(UUID);
  });

  it("POST /v1/embeddings (the openai SDK)", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const { response, data } = await client.embeddings.create({ model: "mock-embed", input: "hello" }).withResponse();
    expect(data.data[0]!.embedding.length).toBeGreaterThan(0);
    expect(response.headers.get("x-request-id")).toMatch(UUID);
  });

  it("POST /v1/chat/completions, unary and streaming", async () => {
    const unary = await post("/v1/chat/completions", chatBody, auth);
    expect(unary.status).toBe(200);
    expect(unary.headers.get("x-request-id")).toMatch(UUID);

    const stream = await post("/v1/chat/completions", JSON.stringify({ ...JSON.parse(chatBody), stream: true }), auth);
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/text\/event-stream/);
    expect(stream.headers.get("x-request-id")).toMatch(UUID);
    expect(await stream.text()).toContain("[DONE]");
  });

  it("POST /v1/tokens/count", async () => {
    const res = await post("/v1/tokens/count", chatBody, auth);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(UUID);
  });

  it("a 404, a 405 and a 401", async () => {
    const missing = await fetch(`${gateway.url}/v1/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-request-id")).toMatch(UUID);
    const wrongMethod = await fetch(`${gateway.url}/v1/chat/completions`, { headers: auth });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect(wrongMethod.headers.get("x-request-id")).toMatch(UUID);
    const anonymous = await post("/v1/chat/completions", chatBody);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("x-request-id")).toMatch(UUID);
  });

  // The id is written with the head (GatewayResponse), not set ahead: each way a head gets
  // written carries it, exactly once, and the caller's id where it was safe.
  it("health, metrics, the console, a malformed and an oversize body, the Anthropic surface: one id each", async () => {
    const responses: Array<[string, Response]> = [
      ["healthz", await fetch(`${gateway.url}/healthz`)],
      ["metrics", await fetch(`${gateway.url}/metrics`)],
      ["console", await fetch(`${gateway.url}/console/`)],
      ["malformed", await post("/v1/chat/completions", "{not json", auth)],
      ["oversize", await post("/v1/chat/completions", JSON.stringify({ model: "mock-echo", messages: [{ role: "user", content: "x".repeat(5 * 1024 * 1024) }] }), auth)],
      ["anthropic", await post("/v1/messages", JSON.stringify({ model: "mock-echo", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }), { "x-api-key": KEY })],
    ];
    expect(responses.map(([name, res]) => `${name} ${res.status}`)).toEqual(["healthz 200", "metrics 200", "console 200", "malformed 400", "oversize 413", "anthropic 200"]);
    for (const [name, res] of responses) {
      expect(res.headers.get("x-request-id"), name).toMatch(UUID); // a repeated header would read "a, b"
      await res.arrayBuffer();
    }
    const kept = await post("/v1/chat/completions", "{not json", { ...auth, "x-request-id": "caller-bad-json" });
    expect(kept.headers.get("x-request-id")).toBe("caller-bad-json");
    const stream = await post("/v1/chat/completions", JSON.stringify({ model: "mock-echo", stream: true, messages: [{ role: "user", content: "hi" }] }), { ...auth, "x-request-id": "caller-stream" });
    expect(stream.headers.get("x-request-id")).toBe("caller-stream");
    await stream.text();
  });

  it("keeps a caller's safe id and replaces an unsafe one", async () => {
    const kept = await fetch(`${gateway.url}/v1/models`, { headers: { ...auth, "x-request-id": "trace-42.a:b_c" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-42.a:b_c");
    const chat = await post("/v1/chat/completions", chatBody, { ...auth, "x-request-id": "caller-chat-1" });
    expect(chat.headers.get("x-request-id")).toBe("caller-chat-1");
    for (const unsafe of ["has spaces in it", "x".repeat(300), "quote\"d"]) {
      const res = await fetch(`${gateway.url}/v1/models`, { headers: { ...auth, "x-request-id": unsafe } });
      expect(res.headers.get("x-request-id")).toMatch(UUID);
    }
  });
});

describe("x-request-id on gRPC (@grpc/grpc-js)", () => {
  const metadata = (extra: Record<string, string> = {}) => {
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${KEY}`);
    for (const [k, v] of Object.entries(extra)) md.set(k, v);
    return md;
  };

  it("unary: in the response headers, the caller's id kept", async () => {
    const client = grpcClient(`127.0.0.1:${gateway.port}`);
    let headers: grpc.Metadata | undefined;
    const response = await new Promise<ChatResponse>((resolve, reject) => {
      const call = client.chat(request, metadata({ "x-request-id": "grpc-unary-1" }), (err: Error | null, res: ChatResponse) => (err ? reject(err) : resolve(res)));
      call.on("metadata", (md: grpc.Metadata) => (headers = md));
    });
    client.close();
    expect(response.message).toBeDefined();
    expect(headers?.get("x-request-id")).toEqual(["grpc-unary-1"]);
  });

  it("streaming: in the response headers", async () => {
    const client = grpcClient(`127.0.0.1:${gateway.port}`);
    const call = client.chatStream(request, metadata());
    const headers = new Promise<grpc.Metadata>((resolve) => call.on("metadata", resolve));
    const chunks: ChatChunk[] = [];
    for await (const chunk of call as AsyncIterable<ChatChunk>) chunks.push(chunk);
    client.close();
    expect(chunks.length).toBeGreaterThan(1);
    expect(String((await headers).get("x-request-id")[0])).toMatch(UUID);
  });

  it("a refused call (no key): UNAUTHENTICATED, with the id", async () => {
    const client = grpcClient(`127.0.0.1:${gateway.port}`);
    const err = await new Promise<grpc.ServiceError>((resolve) => client.chat(request, new grpc.Metadata(), (e: grpc.ServiceError) => resolve(e)));
    client.close();
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err.details).toMatch(/missing API key/);
    expect(String(err.metadata.get("x-request-id")[0])).toMatch(UUID);
  });
});

describe.each([
  ["gRPC", (url: string) => createGrpcTransport({ baseUrl: url })],
  ["gRPC-Web over HTTP/1.1", (url: string) => createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" })],
  ["gRPC-Web over HTTP/2", (url: string) => createGrpcWebTransport({ baseUrl: url, httpVersion: "2" })],
  ["Connect over HTTP/1.1", (url: string) => createConnectTransport({ baseUrl: url, httpVersion: "1.1" })],
  ["Connect over HTTP/2", (url: string) => createConnectTransport({ baseUrl: url, httpVersion: "2" })],
  ["Connect JSON over HTTP/1.1", (url: string) => createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: false })],
] as Array<[string, (url: string) => Transport]>)("x-request-id and early authentication, Connect client over %s", (name, makeTransport) => {
  const client = () => createClient(GatewayService, makeTransport(gateway.url));

  it("unary: the response header, the caller's id kept", async () => {
    let id: string | null = null;
    const res = await client().chat(request, { headers: { ...auth, "x-request-id": `unary-${name.replace(/\W+/g, "-")}` }, onHeader: (h) => (id = h.get("x-request-id")) });
    expect(res.message).toBeDefined();
    expect(id).toBe(`unary-${name.replace(/\W+/g, "-")}`);
  });

  it("streaming: the response header", async () => {
    let id: string | null = null;
    let n = 0;
    for await (const _chunk of client().chatStream(request, { headers: auth, onHeader: (h) => (id = h.get("x-request-id")) })) n++;
    expect(n).toBeGreaterThan(1);
    expect(id).toMatch(UUID);
  });

  it("no key: Unauthenticated, unary and streaming, with the id", async () => {
    const unary = await client().chat(request).catch((e) => e);
    expect(unary).toBeInstanceOf(ConnectError);
    expect((unary as ConnectError).code).toBe(Code.Unauthenticated);
    expect((unary as ConnectError).rawMessage).toMatch(/missing API key/);
    expect((unary as ConnectError).metadata.get("x-request-id")).toMatch(UUID);

    const stream = await (async () => {
      for await (const _chunk of client().chatStream(request)) {
        // nothing arrives
      }
    })().catch((e) => e);
    expect(stream).toBeInstanceOf(ConnectError);
    expect((stream as ConnectError).code).toBe(Code.Unauthenticated);
    expect((stream as ConnectError).metadata.get("x-request-id")).toMatch(UUID);

    const models = await client().listModels(create(ListModelsRequestSchema), { headers: { authorization: "Bearer not-a-key" } }).catch((e) => e);
    expect((models as ConnectError).code).toBe(Code.Unauthenticated);
    expect((models as ConnectError).rawMessage).toBe("invalid API key");
  });
});

describe("authentication before the body", () => {
  for (const path of ["/v1/chat/completions", "/v1/embeddings", "/v1/tokens/count"]) {
    it(`${path}: no key and a malformed body -> 401, and no key and the wrong content type -> 401`, async () => {
      for (const res of [await post(path, "{garbage"), await post(path, "{garbage", { "content-type": "text/plain" })]) {
        expect(res.status).toBe(401);
        expect(((await res.json()) as any).error).toMatchObject({ code: "unauthenticated", type: "authentication_error" });
      }
      // With a key, the body is read and refused as before.
      expect((await post(path, "{garbage", auth)).status).toBe(400);
    });
  }

  it("Connect JSON Chat with `{garbage` and no key -> 401 {code: unauthenticated}", async () => {
    const res = await post("/sluice.v1.GatewayService/Chat", "{garbage");
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-request-id")).toMatch(UUID);
    expect(await res.json()).toEqual({ code: "unauthenticated", message: "missing API key: send it as `Authorization: Bearer <key>`" });
    // With a key, connect-node reads it and refuses it.
    const keyed = await post("/sluice.v1.GatewayService/Chat", "{garbage", auth);
    expect(keyed.status).toBe(400);
  });

  it("Connect streaming with no key -> HTTP 200 and one end-stream message carrying the error", async () => {
    const res = await fetch(`${gateway.url}/sluice.v1.GatewayService/ChatStream`, {
      method: "POST",
      headers: { "content-type": "application/connect+json" },
      body: grpcFrame(Buffer.from("{garbage")),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/connect+json");
    const body = Buffer.from(await res.arrayBuffer());
    expect(body[0]).toBe(0b10); // end-stream flag
    expect(body.readUInt32BE(1)).toBe(body.length - 5);
    expect(JSON.parse(body.subarray(5).toString())).toMatchObject({ error: { code: "unauthenticated" } });
  });

  it("gRPC garbage frame with no key -> UNAUTHENTICATED in a trailers-only response (not INTERNAL)", async () => {
    const res = await h2Request(
      { ":path": "/sluice.v1.GatewayService/Chat", "content-type": "application/grpc", te: "trailers" },
      grpcFrame(Buffer.from([0xff, 0xff, 0xff, 0x0f, 0x01, 0x02])),
    );
    expect(res.headers[":status"]).toBe(200);
    expect(res.headers["grpc-status"]).toBe(String(grpc.status.UNAUTHENTICATED));
    expect(decodeURIComponent(String(res.headers["grpc-message"]))).toMatch(/missing API key/);
    expect(res.headers["x-request-id"]).toMatch(UUID);
    expect(res.flags & http2.constants.NGHTTP2_FLAG_END_STREAM).toBeTruthy(); // one HEADERS frame ends the stream
    expect(res.body.length).toBe(0);
  });

  it("gRPC-Web garbage with no key -> grpc-status 16 in the headers", async () => {
    const res = await post("/sluice.v1.GatewayService/Chat", grpcFrame(Buffer.from([0xff, 0xff])).toString("latin1"), { "content-type": "application/grpc-web+proto" });
    expect(res.status).toBe(200);
    expect(res.headers.get("grpc-status")).toBe("16");
    expect(res.headers.get("x-request-id")).toMatch(UUID);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it("AdminService: no admin key and a garbage body -> 401 before the body", async () => {
    const res = await post("/sluice.v1.AdminService/ListKeys", "{garbage", auth); // a tenant key is not an admin key
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).code).toBe("unauthenticated");
  });

  it("HTTP/1.1: a huge declared body with no key gets 401 while the body is still unsent, and the connection closes", async () => {
    const { status, headers, closed } = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; closed: Promise<void> }>((resolve, reject) => {
      const req = http.request(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { ...json, "content-length": String(1024 * 1024 * 1024) },
        agent: false,
      });
      req.on("error", reject);
      req.on("response", (res) => {
        res.resume();
        const closed = new Promise<void>((done) => req.socket!.once("close", () => done()));
        resolve({ status: res.statusCode!, headers: res.headers, closed });
      });
      req.write('{"model": "mock-echo", "messages": [');
      req.flushHeaders();
    });
    expect(status).toBe(401);
    expect(headers["x-request-id"]).toMatch(UUID);
    expect(headers.connection).toBe("close");
    await closed; // the gateway hangs up rather than read a gigabyte it will not use
  });

  it("HTTP/2: a huge declared gRPC body with no key is refused at once and the stream closed with NO_ERROR", async () => {
    const res = await h2Request(
      { ":path": "/sluice.v1.GatewayService/ChatStream", "content-type": "application/grpc", te: "trailers", "content-length": String(1024 * 1024 * 1024) },
      grpcFrame(Buffer.alloc(100)),
      { endRequest: false },
    );
    expect(res.headers["grpc-status"]).toBe("16");
    expect(res.rstCode).toBe(http2.constants.NGHTTP2_NO_ERROR);
  });

  it("HTTP/2 REST: the same for a chat completion", async () => {
    const res = await h2Request({ ":path": "/v1/chat/completions", ...json, "content-length": String(1024 * 1024 * 1024) }, Buffer.from("{"), { endRequest: false });
    expect(res.headers[":status"]).toBe(401);
    expect(JSON.parse(res.body.toString()).error.code).toBe("unauthenticated");
  });
});

describe("one access-log line per request", () => {
  it("a 404", async () => {
    await fetch(`${gateway.url}/v1/does-not-exist?secret=1`, { headers: { "x-request-id": "log-404" } });
    const lines = await accessLines("log-404");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: "request failed", surface: "rest", method: "GET", path: "/v1/does-not-exist", status: 404, error_code: "not_found" });
    expect(typeof lines[0].ms).toBe("number");
  });

  it("a 401", async () => {
    await post("/v1/chat/completions", "{garbage", { "x-request-id": "log-401" });
    const lines = await accessLines("log-401");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: "request failed", method: "POST", path: "/v1/chat/completions", status: 401, error_code: "unauthenticated" });
  });

  it("a /v1/models call", async () => {
    await fetch(`${gateway.url}/v1/models`, { headers: { ...auth, "x-request-id": "log-models" } });
    const lines = await accessLines("log-models");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: "request", status: 200, tenant: "acme", key_id: "acme-ci", operation: "list_models" });
    expect(lines[0].error_code).toBeUndefined();
  });

  it("a chat completion, with what the pipeline recorded", async () => {
    await post("/v1/chat/completions", chatBody, { ...auth, "x-request-id": "log-chat" });
    const lines = await accessLines("log-chat");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: "request", status: 200, tenant: "acme", model: "mock-echo", provider: "mock", attempts: 1, operation: "chat" });
    expect(lines[0].output_tokens).toBeGreaterThan(0);
  });

  it("a gRPC call, ok and refused, with its gRPC code", async () => {
    const client = grpcClient(`127.0.0.1:${gateway.port}`);
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${KEY}`);
    md.set("x-request-id", "log-grpc-ok");
    await new Promise((resolve, reject) => client.chat(request, md, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))));
    const anon = new grpc.Metadata();
    anon.set("x-request-id", "log-grpc-401");
    await new Promise((resolve) => client.chat(request, anon, resolve));
    client.close();

    const ok = await accessLines("log-grpc-ok");
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatchObject({ msg: "request", surface: "grpc", path: "/sluice.v1.GatewayService/Chat", status: 200, rpc_code: "ok", tenant: "acme", provider: "mock" });
    const refused = await accessLines("log-grpc-401");
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ msg: "request failed", surface: "grpc", status: 200, rpc_code: "unauthenticated", error_code: "unauthenticated" });
  });

  it("a Connect streaming call that fails inside the pipeline", async () => {
    const client = createClient(GatewayService, createConnectTransport({ baseUrl: gateway.url, httpVersion: "1.1" }));
    const bad = create(ChatRequestSchema, { ...request, model: "mock-echo", messages: [] });
    const err = await (async () => {
      for await (const _c of client.chatStream(bad, { headers: { ...auth, "x-request-id": "log-connect-stream" } })) {
        // fails before any chunk
      }
    })().catch((e) => e);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    const lines = await accessLines("log-connect-stream");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: "request failed", surface: "connect", status: 200, rpc_code: "invalid_argument", error_code: "invalid_request" });
  });

  it("operational endpoints at debug", async () => {
    await fetch(`${gateway.url}/healthz`, { headers: { "x-request-id": "log-healthz" } });
    const lines = await accessLines("log-healthz");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 20, path: "/healthz", status: 200 });
  });

  it("never an unbounded caller-chosen path", async () => {
    await fetch(`${gateway.url}/${"p".repeat(5000)}`, { headers: { "x-request-id": "log-long-path" } });
    const [line] = await accessLines("log-long-path");
    expect(line.status).toBe(404);
    expect(line.path.length).toBeLessThan(300);
    expect(line.error.length).toBeLessThan(300);
  });

  it("telemetry.access_log: false drops the info lines", async () => {
    const quietLines: any[] = [];
    const quiet = await startLogged(`telemetry: { access_log: false }\n`, quietLines);
    try {
      await fetch(`${quiet.url}/v1/models`, { headers: { "x-request-id": "quiet-models" } });
      await fetch(`${quiet.url}/nope`, { headers: { "x-request-id": "quiet-404" } });
      expect(await accessLines("quiet-models", quietLines, 5)).toHaveLength(0);
      expect(await accessLines("quiet-404", quietLines, 5)).toHaveLength(0);
    } finally {
      await quiet.close();
    }
  });
});

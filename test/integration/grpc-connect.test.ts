import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import {
  ChatRequestSchema,
  FinishReason,
  GatewayService,
  ListModelsRequestSchema,
  Role,
  type ChatChunk,
  type ChatResponse,
} from "../../src/gen/sluice/v1/gateway_pb.js";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { grpcClient } from "../support/grpc-client.js";

const KEY = "sk-sluice-test-grpc-key-0001";
let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startTestGateway(`
tenants:
  - id: acme
    keys: [ { id: acme-ci, hash: "${hashApiKey(KEY)}" } ]
    models: [ "mock-*" ]
`);
});
afterAll(() => gateway.close());

const request = create(ChatRequestSchema, {
  model: "mock-echo",
  messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hello from a generated client" } }] }],
  tags: { team: "search" },
});

describe("@grpc/grpc-js client", () => {
  const metadata = () => {
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${KEY}`);
    return md;
  };

  it("unary Chat", async () => {
    const client = grpcClient(`127.0.0.1:${gateway.port}`);
    const response = await new Promise<ChatResponse>((resolve, reject) =>
      client.chat(request, metadata(), (err: Error | null, res: ChatResponse) => (err ? reject(err) : resolve(res))),
    );
    client.close();
    expect(response.message?.content[0]?.part).toEqual({ case: "text", value: "hello from a generated client" });
    expect(response.finishReason).toBe(FinishReason.STOP);
    expect(response.usage?.outputTokens).toBe(5);
    expect(response.metadata?.provider).toBe("mock");
    expect(response.metadata?.attempts).toBe(1);
  });

  it("server-streaming ChatStream", async () => {
    const client = grpcClient(`127.0.0.1:${gateway.port}`);
    const call = client.chatStream(request, metadata());
    const chunks: ChatChunk[] = [];
    for await (const chunk of call as AsyncIterable<ChatChunk>) chunks.push(chunk);
    client.close();
    expect(chunks.map((c) => c.textDelta).join("")).toBe("hello from a generated client");
    expect(chunks[0]!.role).toBe(Role.ASSISTANT);
    expect(chunks.filter((c) => c.finishReason === FinishReason.STOP)).toHaveLength(1);
    const last = chunks.at(-1)!;
    expect(last.usage?.inputTokens).toBe(5);
    expect(last.metadata?.requestId).not.toBe("");
  });

  it("rejects a missing key with UNAUTHENTICATED, and the server keeps serving", async () => {
    const client = grpcClient(`127.0.0.1:${gateway.port}`);
    const err = await new Promise<grpc.ServiceError>((resolve) => client.chat(request, new grpc.Metadata(), (e: grpc.ServiceError) => resolve(e)));
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err.details).toMatch(/missing API key/);
    const err2 = await new Promise<grpc.ServiceError>((resolve) => {
      const md = new grpc.Metadata();
      md.set("authorization", "Bearer sk-sluice-wrong");
      client.chat(request, md, (e: grpc.ServiceError) => resolve(e));
    });
    expect(err2.code).toBe(grpc.status.UNAUTHENTICATED);
    const ok = await new Promise<ChatResponse>((resolve, reject) =>
      client.chat(request, metadata(), (e: Error | null, r: ChatResponse) => (e ? reject(e) : resolve(r))),
    );
    client.close();
    expect(ok.finishReason).toBe(FinishReason.STOP);
  });

  it("maps an unknown model to NOT_FOUND", async () => {
    const client = grpcClient(`127.0.0.1:${gateway.port}`);
    const bad = create(ChatRequestSchema, { ...request, model: "gpt-nonexistent" });
    const err = await new Promise<grpc.ServiceError>((resolve) => client.chat(bad, metadata(), (e: grpc.ServiceError) => resolve(e)));
    client.close();
    expect(err.code).toBe(grpc.status.NOT_FOUND);
  });
});

describe.each([
  ["gRPC", (url: string) => createGrpcTransport({ baseUrl: url })],
  ["gRPC-Web over HTTP/1.1", (url: string) => createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" })],
  ["gRPC-Web over HTTP/2", (url: string) => createGrpcWebTransport({ baseUrl: url, httpVersion: "2" })],
  ["Connect over HTTP/1.1", (url: string) => createConnectTransport({ baseUrl: url, httpVersion: "1.1" })],
  ["Connect over HTTP/2", (url: string) => createConnectTransport({ baseUrl: url, httpVersion: "2" })],
  ["Connect JSON over HTTP/1.1", (url: string) => createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: false })],
] as Array<[string, (url: string) => Transport]>)("Connect client, %s", (_name, makeTransport) => {
  let client: Client<typeof GatewayService>;
  const headers = { authorization: `Bearer ${KEY}` };
  beforeAll(() => {
    client = createClient(GatewayService, makeTransport(gateway.url));
  });

  it("Chat", async () => {
    const res = await client.chat(request, { headers });
    expect(res.message?.content[0]?.part.value).toBe("hello from a generated client");
    expect(res.usage?.outputTokens).toBe(5);
  });

  it("ChatStream", async () => {
    let text = "";
    let last: ChatChunk | undefined;
    for await (const chunk of client.chatStream(request, { headers })) {
      text += chunk.textDelta;
      last = chunk;
    }
    expect(text).toBe("hello from a generated client");
    expect(last?.metadata?.provider).toBe("mock");
  });

  it("ListModels only lists what the tenant may use", async () => {
    const res = await client.listModels(create(ListModelsRequestSchema), { headers });
    expect(res.models.map((m) => m.id).sort()).toEqual(["mock-echo", "mock-embed", "mock-lorem"]);
  });

  it("bad key is Unauthenticated", async () => {
    const err = await client.chat(request, { headers: { authorization: "Bearer nope" } }).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unauthenticated);
  });

  it("invalid request is InvalidArgument", async () => {
    const err = await client.chat(create(ChatRequestSchema, { model: "mock-echo" }), { headers }).catch((e) => e);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).rawMessage).toMatch(/messages must not be empty/);
  });
});

describe("malformed messages on the RPC surfaces", () => {
  // connect-node answers undecodable protobuf with INTERNAL and a "parse binary" message, as
  // grpc-go does for unmarshalling failures; the README's error table documents it.
  it("a gRPC frame that is not a ChatRequest -> INTERNAL 'parse binary', and the server keeps serving", async () => {
    const http2 = await import("node:http2");
    const session = http2.connect(gateway.url);
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, garbage.length]), garbage]);
    const trailers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = session.request({
        ":method": "POST",
        ":path": "/sluice.v1.GatewayService/Chat",
        "content-type": "application/grpc",
        te: "trailers",
        authorization: `Bearer ${KEY}`,
      });
      let headers: Record<string, unknown> = {};
      req.on("response", (h) => (headers = h));
      req.on("trailers", (t) => resolve({ ...headers, ...t }));
      req.on("error", reject);
      req.on("end", () => resolve(headers));
      req.resume();
      req.end(frame);
    });
    session.close();
    expect(trailers["grpc-status"]).toBe(String(grpc.status.INTERNAL));
    expect(decodeURIComponent(String(trailers["grpc-message"]))).toMatch(/parse binary/);
    const client = createClient(GatewayService, createGrpcTransport({ baseUrl: gateway.url }));
    expect((await client.chat(request, { headers: { authorization: `Bearer ${KEY}` } })).finishReason).toBe(FinishReason.STOP);
  });

  it("Connect JSON that is not JSON -> 400 invalid_argument", async () => {
    const res = await fetch(`${gateway.url}/sluice.v1.GatewayService/Chat`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: '{"model": "mock-echo", "messages": [',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("invalid_argument");
  });
});

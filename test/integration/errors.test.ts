import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import { hashApiKey } from "../../src/limits/keys.js";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";

const KEY = "sk-sluice-errors-test-key";
let gateway: RunningGateway;
let upstream: FakeOpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway(`
server: { max_body_bytes: 2048 }
providers:
  - { id: mock, kind: mock }
  - { id: fake, kind: openai, base_url: "${upstream.url}", timeouts: { first_byte_ms: 300, idle_ms: 300 } }
  - { id: closed, kind: openai, base_url: "http://127.0.0.1:1/v1" }
models:
  - { alias: mock-echo, targets: [ { provider: mock, model: mock-echo } ] }
  - { alias: up-500, targets: [ { provider: fake, model: "status:500" } ] }
  - { alias: up-429, targets: [ { provider: fake, model: "status:429" } ] }
  - { alias: up-400, targets: [ { provider: fake, model: "status:400" } ] }
  - { alias: up-401, targets: [ { provider: fake, model: "status:401" } ] }
  - { alias: up-hang, targets: [ { provider: fake, model: hang } ] }
  - { alias: up-cut, targets: [ { provider: fake, model: "cut:works:4" } ] }
  - { alias: up-trickle, targets: [ { provider: fake, model: trickle } ] }
  - { alias: up-garbage, targets: [ { provider: fake, model: garbage } ] }
  - { alias: up-refused, targets: [ { provider: closed, model: gpt-4o } ] }
  - { alias: fallback, strategy: ordered, targets: [ { provider: closed, model: gpt-4o }, { provider: fake, model: echo } ] }
tenants:
  - { id: acme, keys: [ { id: k1, hash: "${hashApiKey(KEY)}" } ], models: [ "*" ] }
`);
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

function post(body: string | object, headers: Record<string, string> = {}, path = "/v1/chat/completions"): Promise<Reply> {
  const payload = typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${gateway.url}${path}`,
      { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${KEY}`, ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on("end", () => {
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const chat = (model: string, extra: object = {}) => ({ model, messages: [{ role: "user", content: "hi there" }], ...extra });

function expectOpenAIError(reply: Reply, status: number, code: string, type: string) {
  expect(reply.status).toBe(status);
  expect(reply.json.error).toMatchObject({ code, type });
  expect(typeof reply.json.error.message).toBe("string");
  expect(reply.json.error.message.length).toBeGreaterThan(0);
}

async function stillServing() {
  const ok = await post(chat("mock-echo"));
  expect(ok.status).toBe(200);
  expect(ok.json.choices[0].message.content).toBe("hi there");
}

describe("bad input gets a clear error in OpenAI's shape, and the server keeps serving", () => {
  it("malformed JSON -> 400 malformed_body", async () => {
    expectOpenAIError(await post('{"model": "mock-echo", "messages": ['), 400, "malformed_body", "invalid_request_error");
    await stillServing();
  });

  it("wrong content type -> 415", async () => {
    expectOpenAIError(await post(JSON.stringify(chat("mock-echo")), { "content-type": "text/plain" }), 415, "unsupported_media_type", "invalid_request_error");
  });

  it("body over the limit -> 413, declared or streamed", async () => {
    const big = chat("mock-echo", { messages: [{ role: "user", content: "x".repeat(5000) }] });
    expectOpenAIError(await post(big), 413, "body_too_large", "invalid_request_error");
    // Chunked upload with no content-length: refused once it grows past the limit.
    const reply = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${KEY}`, "transfer-encoding": "chunked" },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      req.write(JSON.stringify(big).slice(0, 2000));
      req.end(JSON.stringify(big).slice(2000));
    });
    expect(reply).toBe(413);
    await stillServing();
  });

  it("wrong field types name the field", async () => {
    const reply = await post({ model: "mock-echo", messages: "hello" });
    expectOpenAIError(reply, 400, "invalid_request", "invalid_request_error");
    expect(reply.json.error.param).toBe("messages");
    const reply2 = await post(chat("mock-echo", { temperature: "hot" }));
    expect(reply2.json.error.param).toBe("temperature");
  });

  it("unknown model -> 404 model_not_found", async () => {
    const reply = await post(chat("gpt-99"));
    expectOpenAIError(reply, 404, "model_not_found", "invalid_request_error");
    expect(reply.json.error.message).toContain("gpt-99");
  });

  it("missing and bad keys -> 401", async () => {
    expectOpenAIError(await post(chat("mock-echo"), { authorization: "" }), 401, "unauthenticated", "authentication_error");
    expectOpenAIError(await post(chat("mock-echo"), { authorization: "Bearer sk-sluice-not-a-key" }), 401, "unauthenticated", "authentication_error");
    expectOpenAIError(await post(chat("mock-echo"), { authorization: `Basic ${KEY}` }), 401, "unauthenticated", "authentication_error");
  });

  it("unknown route -> 404, wrong method -> 405", async () => {
    expectOpenAIError(await post({}, {}, "/v1/nothing"), 404, "not_found", "invalid_request_error");
    const reply = await post({}, {}, "/v1/models");
    expectOpenAIError(reply, 405, "method_not_allowed", "invalid_request_error");
    expect(reply.headers.allow).toBe("GET");
  });
});

describe("upstream failures", () => {
  it("connection refused -> 502 upstream_unavailable", async () => {
    expectOpenAIError(await post(chat("up-refused")), 502, "upstream_unavailable", "api_error");
    await stillServing();
  });

  it("5xx -> 502 with the provider's message", async () => {
    const reply = await post(chat("up-500"));
    expectOpenAIError(reply, 502, "upstream_unavailable", "api_error");
    expect(reply.json.error.message).toContain("fake upstream says 500");
  });

  it("429 -> 429 rate_limited", async () => {
    expectOpenAIError(await post(chat("up-429")), 429, "rate_limited", "rate_limit_error");
  });

  it("400 from the provider -> 400 upstream_rejected with its message", async () => {
    const reply = await post(chat("up-400"));
    expectOpenAIError(reply, 400, "upstream_rejected", "invalid_request_error");
    expect(reply.json.error.message).toContain("fake upstream says 400");
  });

  it("401 from the provider (the gateway's provider key) is not blamed on the client", async () => {
    const reply = await post(chat("up-401"));
    expectOpenAIError(reply, 502, "upstream_unavailable", "api_error");
    expect(reply.json.error.message).not.toContain("fake upstream says");
  });

  it("hang past the first-byte timeout -> 504 upstream_timeout, streaming or not", async () => {
    expectOpenAIError(await post(chat("up-hang")), 504, "upstream_timeout", "timeout_error");
    expectOpenAIError(await post(chat("up-hang", { stream: true })), 504, "upstream_timeout", "timeout_error");
    await stillServing();
  });

  it("a body that is not JSON -> 502", async () => {
    expectOpenAIError(await post(chat("up-garbage")), 502, "upstream_unavailable", "api_error");
  });

  it("stream cut mid-way: the chunks so far, then an error event, and no [DONE]", async () => {
    const reply = await post(chat("up-cut", { stream: true }));
    expect(reply.status).toBe(200);
    const events = reply.text.split("\n\n").filter(Boolean);
    expect(events.length).toBeGreaterThanOrEqual(2);
    const last = JSON.parse(events.at(-1)!.replace(/^data: /, ""));
    expect(last.error.code).toBe("stream_interrupted");
    expect(reply.text).not.toContain("[DONE]");
    await stillServing();
  });

  it("stream goes silent past the idle timeout: error event", async () => {
    const reply = await post(chat("up-trickle", { stream: true }));
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('"code":"stream_interrupted"');
  });

  it("falls back to the next target when the first is unreachable", async () => {
    const reply = await post(chat("fallback"));
    expect(reply.status).toBe(200);
    expect(reply.json.choices[0].message.content).toBe("hi there");
    expect(reply.headers["x-sluice-provider"]).toBe("fake");
    // refused, retried once on the same target (routing.retries_per_target: 1), then the fallback
    expect(reply.headers["x-sluice-attempts"]).toBe("3");
  });

  it("client gone mid-stream aborts the upstream request", async () => {
    const before = upstream.abortedByClient;
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      });
      req.on("response", (res) => {
        res.once("data", () => {
          req.destroy(); // the client goes away after the first chunk
          resolve();
        });
      });
      req.on("error", () => undefined);
      req.end(JSON.stringify(chat("up-trickle", { stream: true })));
      setTimeout(() => reject(new Error("no first chunk")), 5000);
    });
    await expect.poll(() => upstream.abortedByClient, { timeout: 5000 }).toBe(before + 1);
    await stillServing();
  });
});

describe("client gone on the gRPC surface", () => {
  it("cancelling a ChatStream aborts the upstream request", async () => {
    const { createClient } = await import("@connectrpc/connect");
    const { createGrpcTransport } = await import("@connectrpc/connect-node");
    const { create } = await import("@bufbuild/protobuf");
    const { ChatRequestSchema, GatewayService, Role } = await import("../../src/gen/sluice/v1/gateway_pb.js");
    const client = createClient(GatewayService, createGrpcTransport({ baseUrl: gateway.url }));
    const before = upstream.abortedByClient;
    const controller = new AbortController();
    const stream = client.chatStream(
      create(ChatRequestSchema, { model: "up-trickle", messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "x" } }] }] }),
      { headers: { authorization: `Bearer ${KEY}` }, signal: controller.signal },
    );
    const err = await (async () => {
      for await (const _ of stream) controller.abort(); // gone after the first chunk
    })().catch((e) => e);
    expect(String(err)).toMatch(/cancel|abort/i);
    await expect.poll(() => upstream.abortedByClient, { timeout: 5000 }).toBe(before + 1);
    await stillServing();
  });
});

import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { pino } from "pino";
import { ChatRequestSchema, Role, type ChatResponse } from "../../src/gen/sluice/v1/gateway_pb.js";
import { parseConfig } from "../../src/app/load-config.js";
import { startGateway, type RunningGateway } from "../../src/app/start-gateway.js";
import { hashApiKey } from "../../src/limits/keys.js";
import http from "node:http";
import { listenLoopback } from "../support/fake-upstream.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import { grpcClient } from "../support/grpc-client.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "../support/otlp-receiver.js";

/**
 * OpenTelemetry traces end to end (needs `npm run build:wasm` for the pii slot): the real
 * gateway exports over OTLP/HTTP to a real receiver that decodes the protobuf (and, for the
 * capture_content gateway, the JSON) form; clients are the `openai` SDK and @grpc/grpc-js; the
 * upstream is the fake OpenAI-compatible server, which records the headers it was sent.
 */
const KEY = "sk-sluice-test-tracing-key-0001";
const EMAIL = "jane.doe@example.com";
const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

let receiver: OtlpReceiver;
let upstream: FakeOpenAI;
let plain: { gateway: RunningGateway; lines: any[] };
let capturing: { gateway: RunningGateway; lines: any[] };
let client: OpenAI;

function config(extra: string): string {
  return `
providers:
  - { id: vllm, kind: openai, base_url: "${upstream.url}" }
  - { id: hosted, kind: openai, base_url: "${upstream.url}", propagate_trace: false }
models:
  - { alias: echo, targets: [ { provider: vllm, model: echo } ] }
  - { alias: quiet, targets: [ { provider: hosted, model: echo } ] }
  - { alias: fallback, strategy: ordered, targets: [ { provider: vllm, model: "status:503" }, { provider: hosted, model: echo } ] }
tenants:
  - id: acme
    keys: [ { id: acme-ci, hash: "${hashApiKey(KEY)}" } ]
    models: [ "*" ]
routing: { retries_per_target: 0 }
policies:
  pii: { actions: { EMAIL_ADDRESS: redact } }
cache: { exact: { enabled: true } }
${extra}`;
}

async function logged(yaml: string): Promise<{ gateway: RunningGateway; lines: any[] }> {
  const lines: any[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n")) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const config = parseConfig(yaml, "test config");
  config.dataDir = mkdtempSync(join(tmpdir(), "sluice-tracing-")); // the cache persists there: one per gateway and run
  const gateway = await startGateway(config, { port: 0, logger: pino({ level: "info" }, sink) });
  return { gateway, lines };
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  upstream = await startFakeOpenAI();
  plain = await logged(config(`
telemetry:
  tracing:
    endpoint: "${receiver.url}"
    service_name: sluice-under-test
    batch: { schedule_delay_ms: 20 }
`));
  capturing = await logged(config(`
telemetry:
  tracing:
    endpoint: "${receiver.url}"
    protocol: http/json
    capture_content: true
    batch: { schedule_delay_ms: 20 }
`));
  client = new OpenAI({ baseURL: `${plain.gateway.url}/v1`, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => {
  await plain?.gateway.close();
  await capturing?.gateway.close();
  await upstream?.close();
  await receiver?.close();
});

/** A caller's W3C trace context: a fresh trace id and parent span id. */
function callerContext(): { traceId: string; parentId: string; traceparent: string } {
  const traceId = randomBytes(16).toString("hex");
  const parentId = randomBytes(8).toString("hex");
  return { traceId, parentId, traceparent: `00-${traceId}-${parentId}-01` };
}

function tree(spans: ReceivedSpan[]): { server: ReceivedSpan; attempts: ReceivedSpan[] } {
  const servers = spans.filter((s) => s.kind === SERVER);
  expect(servers).toHaveLength(1);
  const server = servers[0]!;
  const attempts = spans.filter((s) => s.kind === CLIENT);
  for (const a of attempts) expect(a.parentSpanId).toBe(server.spanId);
  return { server, attempts };
}

const eventNames = (span: ReceivedSpan) => span.events.map((e) => e.name);

describe("REST (openai SDK)", () => {
  it("continues the caller's trace: a server span, the phases as events, one client span with GenAI attributes; the upstream gets the attempt's traceparent", async () => {
    const caller = callerContext();
    const sentBefore = upstream.requests.length;
    const { data: res, response } = await client.chat.completions
      .create({ model: "echo", messages: [{ role: "user", content: `mail ${EMAIL} please` }], max_tokens: 50, temperature: 0.3 }, { headers: { traceparent: caller.traceparent, tracestate: "vendor=abc" } })
      .withResponse();
    expect(res.choices[0]!.message.content).not.toContain(EMAIL);

    const { server, attempts } = tree(await receiver.waitForTrace(caller.traceId, 2));
    expect(server.parentSpanId).toBe(caller.parentId);
    expect(server.traceState).toBe("vendor=abc");
    expect(server.name).toBe("POST /v1/chat/completions");
    expect(server.resource["service.name"]).toBe("sluice-under-test");
    expect(server.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.response.status_code": 200,
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "echo",
      "gen_ai.request.max_tokens": 50,
      "gen_ai.request.temperature": 0.3,
      "gen_ai.response.model": "echo",
      "gen_ai.usage.input_tokens": 5,
      "gen_ai.usage.output_tokens": 3,
      "sluice.tenant": "acme",
      "sluice.key_id": "acme-ci",
      "sluice.alias": "echo",
      "sluice.provider": "vllm",
      "sluice.attempts": 1,
      "sluice.request_id": response.headers.get("x-request-id"),
    });
    expect(typeof server.attributes["sluice.cost_usd"]).toBe("number");
    expect(eventNames(server)).toEqual(["policy", "cache"]);
    expect(server.events.find((e) => e.name === "cache")!.attributes).toMatchObject({ "sluice.cache.status": "miss" });
    const policy = server.events.find((e) => e.name === "policy")!;
    expect(policy.attributes).toMatchObject({ "sluice.policy.slot": "pii", "sluice.policy.outcome": "rewritten", "sluice.pii.findings": 1 });
    expect(policy.attributes["sluice.policy.module_version"]).toBeGreaterThanOrEqual(1);
    expect(eventNames(server)).not.toContain("route"); // one target, built-in order: nothing was decided

    expect(attempts).toHaveLength(1);
    const attempt = attempts[0]!;
    expect(attempt.name).toBe("chat echo");
    expect(attempt.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "echo",
      "gen_ai.request.max_tokens": 50,
      "gen_ai.response.model": "echo-1",
      "gen_ai.response.id": "chatcmpl-echo",
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": 5,
      "gen_ai.usage.output_tokens": 3,
      "server.address": "127.0.0.1",
      "sluice.provider": "vllm",
      "sluice.attempt.outcome": "ok",
    });
    expect(attempt.attributes["sluice.time_to_first_token_ms"]).toBeGreaterThan(0);

    // The provider saw the attempt's span as its parent, and the caller's tracestate.
    const sent = upstream.requests.slice(sentBefore);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.traceparent).toBe(`00-${caller.traceId}-${attempt.spanId}-01`);
    expect(sent[0]!.headers.tracestate).toBe("vendor=abc");

    // The access-log line leads to the trace.
    await until(() => plain.lines.some((l) => l.request_id === response.headers.get("x-request-id") && l.msg === "request"));
    const line = plain.lines.find((l) => l.request_id === response.headers.get("x-request-id") && l.msg === "request");
    expect(line).toMatchObject({ trace_id: caller.traceId, span_id: server.spanId });
  });

  it("starts a new trace when the caller sends none; a stream records time to first token", async () => {
    const { data: stream, response } = await client.chat.completions.create({ model: "echo", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] }).withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("hi");
    const requestId = response.headers.get("x-request-id");
    const server = await receiver.waitForSpan((s) => s.kind === SERVER && s.attributes["sluice.request_id"] === requestId);
    expect(server.parentSpanId).toBe("");
    expect(server.attributes["sluice.stream"]).toBe(true);
    const { attempts } = tree(await receiver.waitForTrace(server.traceId, 2));
    expect(attempts[0]!.attributes["sluice.time_to_first_token_ms"]).toBeGreaterThan(0);
    expect(attempts[0]!.attributes["gen_ai.usage.output_tokens"]).toBe(3);
  });

  it("a cache hit is an event and no attempt span", async () => {
    const body = { model: "echo", messages: [{ role: "user" as const, content: `cache me ${randomBytes(4).toString("hex")}` }] };
    await client.chat.completions.create(body);
    const caller = callerContext();
    const sentBefore = upstream.requests.length;
    await client.chat.completions.create(body, { headers: { traceparent: caller.traceparent } });
    expect(upstream.requests.length).toBe(sentBefore);
    const [server] = await receiver.waitForTrace(caller.traceId, 1);
    await new Promise((r) => setTimeout(r, 100)); // an attempt span, if one were made, would be in the same batch
    expect(receiver.spans.filter((s) => s.traceId === caller.traceId)).toHaveLength(1);
    expect(server!.events.find((e) => e.name === "cache")!.attributes).toMatchObject({ "sluice.cache.status": "exact" });
    expect(server!.attributes["sluice.cache.status"]).toBe("exact");
  });

  it("a fallback shows two attempt spans: the failed one with its error, then the one that answered", async () => {
    const caller = callerContext();
    const sentBefore = upstream.requests.length;
    const res = await client.chat.completions.create({ model: "fallback", messages: [{ role: "user", content: "fall back" }] }, { headers: { traceparent: caller.traceparent } });
    expect(res.choices[0]!.message.content).toBe("fall back");
    const { server, attempts } = tree(await receiver.waitForTrace(caller.traceId, 3));
    expect(attempts).toHaveLength(2);
    const [failed, answered] = attempts.sort((a, b) => Number(a.attributes["sluice.attempt.outcome"] === "ok") - Number(b.attributes["sluice.attempt.outcome"] === "ok"));
    expect(failed!.attributes).toMatchObject({ "sluice.provider": "vllm", "gen_ai.request.model": "status:503", "error.type": "upstream_unavailable" });
    expect(failed!.status.code).toBe(ERROR);
    expect(answered!.attributes).toMatchObject({ "sluice.provider": "hosted", "sluice.attempt.outcome": "ok" });
    expect(server.attributes["sluice.attempts"]).toBe(2);
    expect(server.events.find((e) => e.name === "route")!.attributes).toMatchObject({ "sluice.route.by": "ordered", "sluice.route.targets": ["vllm/status:503", "hosted/echo"] });
    // propagate_trace: the self-hosted provider got the failed attempt's context; `hosted` (propagate_trace: false) got none.
    const sent = upstream.requests.slice(sentBefore);
    expect(sent.map((r) => r.headers.traceparent)).toEqual([`00-${caller.traceId}-${failed!.spanId}-01`, undefined]);
  });

  it("a refused request ends its span with the error code", async () => {
    const caller = callerContext();
    const err = await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }, { headers: { traceparent: caller.traceparent } }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const [server] = await receiver.waitForTrace(caller.traceId, 1);
    expect(server!.attributes["http.response.status_code"]).toBe(err.status);
    expect(server!.attributes["error.type"]).toBeTypeOf("string");
    expect(server!.events.at(-1)!.attributes["error.type"]).toBe(server!.attributes["error.type"]);
  });

  it("exports no prompt or completion text unless capture_content is on", async () => {
    const caller = callerContext();
    const secret = `unique-prompt-${randomBytes(6).toString("hex")}`;
    await client.chat.completions.create({ model: "echo", messages: [{ role: "user", content: secret }] }, { headers: { traceparent: caller.traceparent } });
    const spans = await receiver.waitForTrace(caller.traceId, 2);
    for (const s of spans) expect(eventNames(s)).not.toContain("gen_ai.client.inference.operation.details");
    expect(receiver.rawBodies.some((b) => b.includes(secret))).toBe(false);
    expect(receiver.contentTypes[0]).toBe("application/x-protobuf");
  });
});

describe("gRPC (@grpc/grpc-js)", () => {
  it("gives the same span tree for GatewayService/Chat and continues the caller's trace from metadata", async () => {
    const caller = callerContext();
    const rpc = grpcClient(new URL(plain.gateway.url).host);
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${KEY}`);
    md.set("traceparent", caller.traceparent);
    const request = create(ChatRequestSchema, { model: "echo", messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hello over grpc" } }] }], params: { maxOutputTokens: 20 } });
    const sentBefore = upstream.requests.length;
    const res = await new Promise<ChatResponse>((resolve, reject) => rpc.chat(request, md, (e: Error | null, r: ChatResponse) => (e ? reject(e) : resolve(r))));
    rpc.close();
    expect(res.message?.content[0]?.part.value).toBe("hello over grpc");
    const { server, attempts } = tree(await receiver.waitForTrace(caller.traceId, 2));
    expect(server.parentSpanId).toBe(caller.parentId);
    expect(server.name).toBe("sluice.v1.GatewayService/Chat");
    expect(server.attributes).toMatchObject({
      "rpc.system": "grpc",
      "rpc.service": "sluice.v1.GatewayService",
      "rpc.method": "Chat",
      "sluice.rpc_code": "ok",
      "sluice.protocol": "grpc",
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "echo",
      "gen_ai.request.max_tokens": 20,
      "sluice.tenant": "acme",
    });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.attributes).toMatchObject({ "gen_ai.provider.name": "openai", "gen_ai.response.id": "chatcmpl-echo", "gen_ai.usage.output_tokens": 3 });
    expect(upstream.requests.slice(sentBefore)[0]!.headers.traceparent).toBe(`00-${caller.traceId}-${attempts[0]!.spanId}-01`);
  });
});

describe("capture_content: true (OTLP/JSON)", () => {
  it("records the prompt and completion as an event on the attempt span, only after the pii slot redacted them", async () => {
    const caller = callerContext();
    const capture = new OpenAI({ baseURL: `${capturing.gateway.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const res = await capture.chat.completions.create({ model: "echo", messages: [{ role: "system", content: "be brief" }, { role: "user", content: `write to ${EMAIL} today` }] }, { headers: { traceparent: caller.traceparent } });
    expect(res.choices[0]!.message.content).toContain("today");
    const { attempts } = tree(await receiver.waitForTrace(caller.traceId, 2));
    const details = attempts[0]!.events.find((e) => e.name === "gen_ai.client.inference.operation.details");
    expect(details).toBeDefined();
    const input = JSON.parse(details!.attributes["gen_ai.input.messages"] as string);
    expect(input).toEqual([
      { role: "system", parts: [{ type: "text", content: "be brief" }] },
      { role: "user", parts: [{ type: "text", content: expect.stringMatching(/^write to .+ today$/) }] },
    ]);
    const output = JSON.parse(details!.attributes["gen_ai.output.messages"] as string);
    expect(output[0]).toMatchObject({ role: "assistant", finish_reason: "stop" });
    expect(output[0].parts[0].content).toContain("today");
    // Redacted everywhere: in what was exported, and the exporter spoke OTLP/JSON.
    expect(JSON.stringify(input)).not.toContain(EMAIL);
    expect(JSON.stringify(output)).not.toContain(EMAIL);
    expect(receiver.rawBodies.some((b) => b.includes(EMAIL))).toBe(false);
    expect(receiver.contentTypes).toContain("application/json");
  });
});

describe("protocol: grpc, and the sampler", () => {
  it("exports over OTLP/gRPC with the same span tree and attributes", async () => {
    const viaGrpc = await logged(config(`
telemetry:
  tracing:
    endpoint: "${receiver.grpcUrl}"
    protocol: grpc
    batch: { schedule_delay_ms: 20 }
`));
    try {
      const caller = callerContext();
      const viaGrpcClient = new OpenAI({ baseURL: `${viaGrpc.gateway.url}/v1`, apiKey: KEY, maxRetries: 0 });
      await viaGrpcClient.chat.completions.create({ model: "echo", messages: [{ role: "user", content: "over grpc" }], max_tokens: 12 }, { headers: { traceparent: caller.traceparent } });
      const { server, attempts } = tree(await receiver.waitForTrace(caller.traceId, 2));
      expect(receiver.contentTypes).toContain("application/grpc");
      expect(server.parentSpanId).toBe(caller.parentId);
      expect(server.attributes).toMatchObject({ "gen_ai.operation.name": "chat", "gen_ai.request.model": "echo", "gen_ai.request.max_tokens": 12, "sluice.tenant": "acme", "http.response.status_code": 200 });
      expect(attempts).toHaveLength(1);
      expect(attempts[0]!.attributes).toMatchObject({ "gen_ai.provider.name": "openai", "sluice.attempt.outcome": "ok" });
    } finally {
      await viaGrpc.gateway.close();
    }
  });

  it("parentbased_always_off records nothing but still propagates the ids (unsampled) and logs them", async () => {
    const sampledOut = await logged(config(`
telemetry:
  tracing:
    endpoint: "${receiver.url}"
    sampler: parentbased_always_off
    batch: { schedule_delay_ms: 20 }
`));
    try {
      const sentBefore = upstream.requests.length;
      const offClient = new OpenAI({ baseURL: `${sampledOut.gateway.url}/v1`, apiKey: KEY, maxRetries: 0 });
      const { response } = await offClient.chat.completions.create({ model: "echo", messages: [{ role: "user", content: "not sampled" }] }).withResponse();
      const traceparent = upstream.requests.slice(sentBefore)[0]!.headers.traceparent as string;
      expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      const traceId = traceparent.split("-")[1]!;
      await until(() => sampledOut.lines.some((l) => l.request_id === response.headers.get("x-request-id") && l.msg === "request"));
      expect(sampledOut.lines.find((l) => l.request_id === response.headers.get("x-request-id") && l.msg === "request").trace_id).toBe(traceId);
      await new Promise((r) => setTimeout(r, 150));
      expect(receiver.spans.some((s) => s.traceId === traceId)).toBe(false);
    } finally {
      await sampledOut.gateway.close();
    }
  });
});

describe("a collector that rejects part of an export", () => {
  it("logs its partial-success report once, at warn, and keeps serving", async () => {
    // ExportTraceServiceResponse { partial_success { rejected_spans: 3, error_message: "span too big" }, field 9: unknown }
    const message = Buffer.from("span too big");
    const partial = Buffer.concat([Buffer.from([0x08, 0x03, 0x12, message.length]), message]);
    const answer = Buffer.concat([Buffer.from([0x0a, partial.length]), partial, Buffer.from([0x48, 0x01])]);
    let exports = 0;
    const collector = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        exports++;
        res.writeHead(200, { "content-type": "application/x-protobuf" }).end(answer);
      });
    });
    const { origin, close } = await listenLoopback(collector);
    const rejecting = await logged(config(`
telemetry:
  tracing:
    endpoint: "${origin}"
    batch: { schedule_delay_ms: 20 }
`));
    try {
      const rejectingClient = new OpenAI({ baseURL: `${rejecting.gateway.url}/v1`, apiKey: KEY, maxRetries: 0 });
      for (let i = 0; i < 3; i++) await rejectingClient.chat.completions.create({ model: "echo", messages: [{ role: "user", content: `rejected ${i}` }] });
      await until(() => exports >= 1 && rejecting.lines.some((l) => l.component === "otel"));
      const warnings = rejecting.lines.filter((l) => l.component === "otel");
      expect(warnings).toHaveLength(1);
      expect(warnings[0].level).toBe(40);
      expect(warnings[0].msg).toMatch(/Partial Success/i);
      expect(warnings[0].msg).toContain("span too big"); // the collector's own words, not just the SDK's preamble
      expect(rejecting.lines.some((l) => /could not deserialize/i.test(String(l.msg)))).toBe(false);
    } finally {
      await rejecting.gateway.close();
      await close();
    }
  });
});

describe("tracing off (nothing configured)", () => {
  it("sends no trace context upstream, exports nothing and logs no trace ids", async () => {
    const off = await logged(config(""));
    try {
      const caller = callerContext();
      const sentBefore = upstream.requests.length;
      const offClient = new OpenAI({ baseURL: `${off.gateway.url}/v1`, apiKey: KEY, maxRetries: 0 });
      const { response } = await offClient.chat.completions.create({ model: "echo", messages: [{ role: "user", content: "untraced" }] }, { headers: { traceparent: caller.traceparent } }).withResponse();
      expect(upstream.requests.slice(sentBefore)[0]!.headers.traceparent).toBeUndefined();
      await until(() => off.lines.some((l) => l.request_id === response.headers.get("x-request-id") && l.msg === "request"));
      const line = off.lines.find((l) => l.request_id === response.headers.get("x-request-id") && l.msg === "request");
      expect(line.trace_id).toBeUndefined();
      expect(line.span_id).toBeUndefined();
      expect(off.lines.some((l) => l.msg === "tracing on")).toBe(false);
      await new Promise((r) => setTimeout(r, 100));
      expect(receiver.spans.some((s) => s.traceId === caller.traceId)).toBe(false);
    } finally {
      await off.gateway.close();
    }
  });
});

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

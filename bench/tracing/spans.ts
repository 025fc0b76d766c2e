import http from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg } from "node:os";
import { create } from "@bufbuild/protobuf";
import { ChatChunkSchema, ChatRequestSchema, FinishReason, Role } from "../../src/gen/sluice/v1/gateway_pb.js";
import { ProviderConfigSchema, TracingConfigSchema } from "../../src/gen/sluice/v1/config_pb.js";
import type { CallRecord } from "../../src/core/call-record.js";
import { startSdk } from "../../src/telemetry/tracing/sdk.js";
import { tracingSettings } from "../../src/telemetry/tracing/settings.js";

/**
 * The first table of bench:tracing (run.ts): CPU time per traced request of the tracing layer
 * alone, in the bench's process before the gateways start: what the gateway's hooks call for one chat request
 * with one attempt (server span with the request's and the record's attributes, a `policy` and a
 * `cache` event, one attempt span with a chunk and usage), exported over OTLP http/protobuf to a
 * sink in this process that reads and discards it. Cases: 2 spans + 2 events, 2 spans + 0
 * events, and the same with `capture_content`. BENCH_REQUESTS (default 10000) per case.
 */
const N = Number(process.env.BENCH_REQUESTS ?? 10000);
let bytes = 0;
let endpoint = "";

const request = create(ChatRequestSchema, {
  model: "bench",
  messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "The quick brown fox jumps over the lazy dog. ".repeat(20) } }] }],
  params: { maxOutputTokens: 64, temperature: 0.2 },
});
const chunk = create(ChatChunkSchema, { id: "chatcmpl-bench", model: "bench-1", textDelta: "The quick brown fox.", finishReason: FinishReason.STOP, usage: { inputTokens: 240, outputTokens: 10 } });
const record: CallRecord = { requestId: "5d0c8f7e-1b2a-4c3d-9e8f-0a1b2c3d4e5f", surface: "rest", tenant: "acme", keyId: "acme-ci", model: "bench", provider: "upstream", providerModel: "bench-1", attempts: 1, inputTokens: 240, outputTokens: 10, costUsd: 0.000042, stream: false };
const headers = { "content-type": "application/json", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };

async function measure(name: string, events: number, captureContent: boolean): Promise<string> {
  const settings = tracingSettings(create(TracingConfigSchema, { enabled: true, endpoint, sampler: "always_on", captureContent }), [create(ProviderConfigSchema, { id: "upstream", kind: "openai", baseUrl: "http://127.0.0.1:9/v1" })], {})!;
  const tracing = await startSdk(settings, { debug() {}, info() {}, warn: (f, m) => console.warn(m, f), error: (f, m) => console.error(m, f) });
  const one = () => {
    const span = tracing.startRequest({ method: "POST", path: "/v1/chat/completions", headers })!;
    if (events > 0) span.event("policy", { "sluice.policy.slot": "pii", "sluice.policy.module_version": 3, "sluice.policy.outcome": "clean", "sluice.pii.findings": 0 });
    if (events > 1) span.event("cache", { "sluice.phase.duration_ms": 0.12, "sluice.cache.status": "miss" });
    const attempt = span.attempt("upstream", "openai", "bench-1", request);
    attempt.chunk(chunk);
    attempt.end("ok");
    span.request("chat", "bench", request);
    span.end({ status: 200, rpcCode: undefined, aborted: false, record });
  };
  // Warm up, then measure at a pace the exporter keeps up with (a request per macrotask, as a server sees them).
  for (let i = 0; i < 2000; i++) {
    one();
    if (i % 4 === 0) await new Promise((r) => setImmediate(r));
  }
  bytes = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    one();
    if (i % 4 === 0) await new Promise((r) => setImmediate(r));
  }
  await tracing.shutdown(); // exports what is left: counted in the figure
  const used = process.cpuUsage(start);
  return `| ${name} | ${((used.user + used.system) / N).toFixed(1)} µs | ${(bytes / N).toFixed(0)} B |`;
}

/** The table's rows (markdown), after a header line naming the machine. */
export async function spanCostTable(): Promise<string[]> {
  const sink = http.createServer((req, res) => {
    req.on("data", (d: Buffer) => (bytes += d.length));
    req.on("end", () => res.writeHead(200).end());
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const load = loadavg()[0]!.toFixed(2);
  try {
    const rows = [await measure("2 spans, 2 events", 2, false), await measure("2 spans, no events", 0, false), await measure("2 spans, 2 events, capture_content", 2, true)];
    return [
      `tracing layer alone, in process: ${cpus().length} cores (${cpus()[0]?.model}), node ${process.version}, load average ${load}; ${N} requests per case`,
      "",
      "| case | CPU per traced request (record + export) | OTLP bytes per request |",
      "|---|---|---|",
      ...rows,
    ];
  } finally {
    sink.close();
  }
}

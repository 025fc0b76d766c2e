import http from "node:http";
import { cpus, loadavg } from "node:os";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { parseConfig } from "../../src/app/load-config.js";
import { startGateway, type RunningGateway } from "../../src/app/start-gateway.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { startGenAiMetrics, type GenAiOutcome } from "../../src/telemetry/otel-metrics.js";

/**
 * npm run bench:otel-metrics: what exporting the GenAI client metrics over OTLP costs per request.
 * Three gateways in this process in front of one zero-delay OpenAI-compatible upstream: `off`
 * (no endpoint: the default), `on` (http/protobuf to a local receiver that reads and drops the
 * exports, every 1 s, so export work falls inside the measurement) and `off-again` (a second
 * off gateway: the run's noise). Sequential non-streamed chats on one keep-alive connection per
 * gateway, interleaved in slices so a change of load on the machine hits every case alike.
 * Measured: wall time and process CPU (client, upstream and gateway share the process, so the
 * difference between cases is the gateway's).
 *
 * Then the recording alone, which the end-to-end figures cannot resolve on a busy machine:
 * GenAiMetrics.record (what settle calls) against the SDK's own histogram instruments recording
 * the same four values with the same attribute objects (the baseline this design replaced).
 */
const SLICES = Number(process.env.BENCH_SLICES ?? 80);
const PER_SLICE = Number(process.env.BENCH_PER_SLICE ?? 50);

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

// A zero-delay upstream: one fixed OpenAI chat completion with usage.
const answer = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1,
  model: "bench-model",
  choices: [{ index: 0, message: { role: "assistant", content: "a short answer of a few words" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 40, completion_tokens: 8, total_tokens: 48 },
});
const upstream = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(answer));
});
const upstreamUrl = await listen(upstream);

// The OTLP receiver: reads every export, answers success.
let exports = 0;
let exportedBytes = 0;
const receiver = http.createServer((req, res) => {
  req.on("data", (chunk: Buffer) => (exportedBytes += chunk.length));
  req.on("end", () => {
    exports++;
    res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
  });
});
const receiverUrl = await listen(receiver);

async function gateway(otel: string): Promise<RunningGateway> {
  const yaml = `
providers: [ { id: up, kind: openai, base_url: "${upstreamUrl}/v1" } ]
models: [ { alias: bench, targets: [ { provider: up, model: bench-model } ] } ]
telemetry: { access_log: false${otel} }
`;
  return startGateway(parseConfig(yaml, "bench", {}), { port: 0, logger: createLogger("silent") });
}

const cases = [
  { name: "off", gw: await gateway("") },
  { name: "on (http/protobuf, 1 s interval)", gw: await gateway(`, otel_metrics: { endpoint: "${receiverUrl}", export_interval_ms: 1000 }`) },
  { name: "off-again", gw: await gateway("") },
].map((c) => ({ ...c, pool: new Pool(c.gw.url, { connections: 1 }), ns: 0n, cpuUs: 0, requests: 0 }));

// Seeded request bodies: 16 prompts of 30 words (xorshift, seed 20261206).
let seed = 20261206;
const rand = () => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), (seed >>> 0) / 2 ** 32);
const words = ["gateway", "token", "model", "answer", "route", "cache", "budget", "tenant", "policy", "stream"];
const bodies = Array.from({ length: 16 }, () =>
  JSON.stringify({ model: "bench", messages: [{ role: "user", content: Array.from({ length: 30 }, () => words[Math.floor(rand() * words.length)]).join(" ") }] }),
);

async function chat(pool: Pool, i: number): Promise<void> {
  const res = await pool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body: bodies[i % bodies.length] });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${text.slice(0, 200)}`);
}

const started = Date.now();
try {
  for (const c of cases) for (let i = 0; i < 200; i++) await chat(c.pool, i); // warm-up
  for (let slice = 0; slice < SLICES; slice++) {
    for (const c of slice % 2 === 0 ? cases : [...cases].reverse()) {
      const cpu = process.cpuUsage();
      const t = process.hrtime.bigint();
      for (let i = 0; i < PER_SLICE; i++) await chat(c.pool, i);
      c.ns += process.hrtime.bigint() - t;
      const used = process.cpuUsage(cpu);
      c.cpuUs += used.user + used.system;
      c.requests += PER_SLICE;
    }
  }
} finally {
  for (const c of cases) {
    await c.pool.close();
    await c.gw.close();
  }
  upstream.close();
}

const results = cases.map((c) => ({ name: c.name, reqPerS: c.requests / (Number(c.ns) / 1e9), cpuUsPerReq: c.cpuUs / c.requests }));
const base = results[0]!;
console.log(`\nbench:otel-metrics on ${cpus().length} cores, node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}; ${SLICES * PER_SLICE} requests per case, c=1, ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`OTLP exports received: ${exports} (${exportedBytes} bytes)\n`);
console.log("| case | req/s | process CPU µs per request | req/s vs off | CPU vs off |");
console.log("|---|---|---|---|---|");
for (const r of results) {
  console.log(`| ${r.name} | ${r.reqPerS.toFixed(0)} | ${r.cpuUsPerReq.toFixed(1)} | ${(r.reqPerS / base.reqPerS).toFixed(3)} | ${(r.cpuUsPerReq / base.cpuUsPerReq).toFixed(3)} (${(r.cpuUsPerReq - base.cpuUsPerReq >= 0 ? "+" : "") + (r.cpuUsPerReq - base.cpuUsPerReq).toFixed(1)} µs) |`);
}

// The recording alone: the shipped recorder vs the SDK's instruments, same values and attributes.
const MICRO = Number(process.env.BENCH_MICRO ?? 200_000);
const outcome: GenAiOutcome = { operation: "chat", provider: "up", requestModel: "bench", responseModel: "bench-model", errorType: undefined, durationS: 0.0123, timeToFirstTokenS: 0.004, inputTokens: 40, outputTokens: 8 };
const settings = { url: `${receiverUrl}/v1/metrics`, protocol: "http/protobuf" as const, headers: {}, exportIntervalMs: 3_600_000, exportTimeoutMs: 1000, serviceName: "bench" };
const recorder = await startGenAiMetrics(settings, new Map([["up", "openai"]]));
const { MeterProvider, PeriodicExportingMetricReader, InMemoryMetricExporter, AggregationTemporality } = await import("@opentelemetry/sdk-metrics");
// With a reader, as in use (a provider without one records nothing).
const sdkReader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 3_600_000 });
const sdkProvider = new MeterProvider({ readers: [sdkReader] });
const meter = sdkProvider.getMeter("bench");
const histograms = ["gen_ai.client.operation.duration", "gen_ai.server.time_to_first_token", "gen_ai.client.token.usage"].map((n) => meter.createHistogram(n));
const attrs = { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "bench", "gen_ai.response.model": "bench-model" };
const input = { ...attrs, "gen_ai.token.type": "input" };
const output = { ...attrs, "gen_ai.token.type": "output" };
const sdkRecord = () => {
  histograms[0]!.record(outcome.durationS, attrs);
  histograms[1]!.record(outcome.timeToFirstTokenS!, attrs);
  histograms[2]!.record(outcome.inputTokens!, input);
  histograms[2]!.record(outcome.outputTokens!, output);
};
const microCases = [
  { name: "GenAiMetrics.record (shipped)", run: () => recorder.record(outcome), ns: 0n },
  { name: "SDK histogram instruments (baseline)", run: sdkRecord, ns: 0n },
];
for (const c of microCases) for (let i = 0; i < 20_000; i++) c.run();
for (let slice = 0; slice < 10; slice++) {
  for (const c of microCases) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < MICRO / 10; i++) c.run();
    c.ns += process.hrtime.bigint() - t;
  }
}
await recorder.shutdown();
await sdkProvider.shutdown();
console.log(`\nRecording one request's four values (duration, TTFT, input and output tokens), ${MICRO} times each, interleaved:\n`);
console.log("| case | µs per request | vs SDK instruments |");
console.log("|---|---|---|");
const sdkNs = Number(microCases[1]!.ns);
for (const c of microCases) console.log(`| ${c.name} | ${(Number(c.ns) / 1e3 / MICRO).toFixed(3)} | ${(Number(c.ns) / sdkNs).toFixed(3)} |`);
receiver.close();

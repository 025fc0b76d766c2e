import { cpus } from "node:os";
import { Pool } from "undici";
import { parseConfig } from "../../src/app/load-config.js";
import { startGateway } from "../../src/app/start-gateway.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { startWireUpstream } from "./wire-upstream.js";

/**
 * npm run bench:adapters: per-chunk translation cost of each provider adapter, through the
 * full server (REST SSE out), from a zero-delay upstream speaking each wire format. Baseline:
 * the `openai` passthrough in the same run. Cases: one per adapter; each streams CHUNKS text
 * deltas per request, ROUNDS sequential requests (after a warm-up), on one connection.
 */
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 256);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const kinds = ["openai", "azure-openai", "anthropic", "gemini", "bedrock"];

const upstream = await startWireUpstream(CHUNKS);
const gateway = await startGateway(
  parseConfig(
    `
providers:
  - { id: openai, kind: openai, base_url: "${upstream.url}/v1" }
  - { id: azure-openai, kind: azure-openai, base_url: "${upstream.url}", api_key: k }
  - { id: anthropic, kind: anthropic, base_url: "${upstream.url}/v1", api_key: k }
  - { id: gemini, kind: gemini, base_url: "${upstream.url}/v1beta", api_key: k }
  - { id: bedrock, kind: bedrock, base_url: "${upstream.url}", region: us-east-1, aws: { access_key_id: AKIDEXAMPLE, secret_access_key: secret } }
models:
${kinds.map((k) => `  - { alias: ${k}, targets: [ { provider: ${k}, model: m } ] }`).join("\n")}
telemetry: { access_log: false }
`,
    "bench",
  ),
  { port: 0, logger: createLogger("silent") },
);

const pool = new Pool(gateway.url, { connections: 1 });
async function streamOnce(model: string): Promise<number> {
  const res = await pool.request({
    path: "/v1/chat/completions",
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "bench" }] }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200 || !text.endsWith("data: [DONE]\n\n")) throw new Error(`${model}: ${res.statusCode} ${text.slice(-300)}`);
  return text.split("\n\n").length - 2; // events, less [DONE] and the empty tail
}

const totals = new Map(kinds.map((k) => [k, { events: 0, ns: 0n }]));
try {
  for (const kind of kinds) for (let i = 0; i < 20; i++) await streamOnce(kind);
  // Interleaved in slices of 10 requests, so a change of load on the machine hits every case alike.
  for (let slice = 0; slice < ROUNDS / 10; slice++) {
    for (const kind of kinds) {
      const t = totals.get(kind)!;
      const started = process.hrtime.bigint();
      for (let i = 0; i < 10; i++) t.events += await streamOnce(kind);
      t.ns += process.hrtime.bigint() - started;
    }
  }
} finally {
  await pool.close();
  await gateway.close();
  await upstream.close();
}

const results = kinds.map((kind) => {
  const t = totals.get(kind)!;
  const seconds = Number(t.ns) / 1e9;
  return { kind, chunksPerS: t.events / seconds, usPerChunk: (seconds * 1e6) / t.events };
});
const base = results[0]!;
console.log(`\nbench:adapters on ${cpus().length} cores, node ${process.version}; ${CHUNKS} chunks x ${ROUNDS} requests per adapter, c=1\n`);
console.log("| adapter | chunks/s through the gateway | µs per chunk | vs openai passthrough |");
console.log("|---|---|---|---|");
for (const r of results) {
  console.log(`| ${r.kind} | ${r.chunksPerS.toFixed(0)} | ${r.usPerChunk.toFixed(2)} | ${(r.usPerChunk / base.usPerChunk).toFixed(2)}x |`);
}

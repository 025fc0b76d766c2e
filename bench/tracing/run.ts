import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { seededRandom as seeded } from "../../test/support/seeded-random.js";
import { chatBody, haveWrk, sequentialLatency, throughput } from "../proxy/measure.js";
import { cpuMicros, freePort, startMockUpstream, type Child } from "../proxy/processes.js";
import { inProcessTable } from "./in-process.js";
import { spanCostTable } from "./spans.js";

/**
 * npm run bench:tracing: the cost of tracing. Three `sluice serve` processes on the same config
 * in front of the same mock upstream (bench/proxy/mock-upstream.ts): tracing off (nothing
 * configured: the SDK is never loaded), on at 100 % sampling (`sampler: always_on`) and on at
 * 10 % (`traceidratio`, 0.1), exporting OTLP/HTTP protobuf to a sink in this process that reads
 * and discards each export, as a collector would answer it. Each round loads each in turn at
 * c=16 for BENCH_SECONDS (default 2) with the same seeded bodies; the rounds (BENCH_ROUNDS,
 * default 12) alternate the order. Short rounds, many of them, and the median of the per-round
 * ratios: on a shared 2-core machine the load drifts between rounds by more than tracing costs,
 * and a paired ratio taken seconds apart cancels most of it.
 * Printed: requests/s and CPU time per request of each round, the per-round on/off ratios and
 * their medians, the totals; and, measured first, the tracing layer's own CPU time per request
 * in process (spans.ts).
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 12);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const root = fileURLToPath(new URL("../../../", import.meta.url));

/** An OTLP/HTTP endpoint that reads every export and answers 200 (what a collector does), counting what it got. */
async function startSink(): Promise<{ url: string; exports: number; bytes: number; close(): void }> {
  const sink = { url: "", exports: 0, bytes: 0, close: () => server.close() };
  const server = http.createServer((req, res) => {
    req.on("data", (d: Buffer) => (sink.bytes += d.length));
    req.on("end", () => {
      sink.exports++;
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return sink;
}

async function startGateway(upstreamUrl: string, tracing: string): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-tracing-"));
  const config = join(dir, "bench.yaml");
  writeFileSync(
    config,
    `providers: [ { id: upstream, kind: openai, base_url: "${upstreamUrl}/v1" } ]\n` +
      `models: [ { alias: bench, targets: [ { provider: upstream, model: bench-1 } ] } ]\n` +
      `data_dir: ${JSON.stringify(join(dir, "data"))}\n` +
      tracing,
  );
  const port = await freePort();
  // The executable as users run it; no OTEL_* variables leak in from the bench's environment.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OTEL_")));
  const child = spawn(join(root, "bin/sluice.js"), ["serve", "--config", config, "--port", String(port)], { stdio: ["ignore", "ignore", "inherit"], env });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) {
        return {
          url,
          process: child,
          stop: () =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once("exit", () => resolve());
              child.kill("SIGTERM");
            }),
        };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("gateway did not start");
}

// First the tracing layer alone (spans.ts), then the two gateways.
const spanTable = await spanCostTable();
const sink = await startSink();
const upstream = await startMockUpstream();
const pairedTable = process.env.BENCH_SKIP_PAIRED ? [] : await inProcessTable(upstream.url);
const tracingAt = (sampler: string) => `telemetry: { tracing: { endpoint: "${sink.url}", sampler: ${sampler} } }\n`;
const gateways = {
  off: await startGateway(upstream.url, ""),
  on: await startGateway(upstream.url, tracingAt("always_on")),
  "on 10%": await startGateway(upstream.url, tracingAt("traceidratio, sampler_arg: 0.1")),
};
type Name = keyof typeof gateways;
const names = Object.keys(gateways) as Name[];
const random = seeded(20261206);
const bodies: string[] = [];
for (let i = 0; i < 64; i++) bodies.push(chatBody(seeded(random() * 2 ** 32), "bench", false));

const fmt = (n: number, d = 1) => n.toFixed(d);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const rows: string[] = [];
const ratios = { on: [] as number[], "on 10%": [] as number[], cpuOn: [] as number[], cpu10: [] as number[] };
const totals = Object.fromEntries(names.map((n) => [n, { requests: 0, cpu: 0, seconds: 0 }])) as Record<Name, { requests: number; cpu: number; seconds: number }>;
const load = loadavg()[0]!;
try {
  // Warm every gateway (JIT, pools; the traced ones' exporter connection).
  for (const n of names) await sequentialLatency(gateways[n].url, bodies, 1000, false);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    const result = {} as Record<Name, { rps: number; cpuUs: number }>;
    for (const name of order) {
      const g = gateways[name];
      const before = cpuMicros(g.process.pid!);
      const r = await throughput(g.url, bodies, connections, seconds);
      if (r.errors) throw new Error(`errors during ${name}: ${r.errors}`);
      const cpu = cpuMicros(g.process.pid!) - before;
      result[name] = { rps: r.rps, cpuUs: cpu / Math.max(1, r.requests) };
      totals[name].requests += r.requests;
      totals[name].cpu += cpu;
      totals[name].seconds += seconds;
    }
    ratios.on.push(result.on.rps / result.off.rps);
    ratios["on 10%"].push(result["on 10%"].rps / result.off.rps);
    ratios.cpuOn.push(result.on.cpuUs - result.off.cpuUs);
    ratios.cpu10.push(result["on 10%"].cpuUs - result.off.cpuUs);
    rows.push(`| round ${round + 1} (${order.join(", ")}) | ${names.map((n) => `${fmt(result[n].rps, 0)} req/s, ${fmt(result[n].cpuUs, 0)} µs CPU/req`).join(" | ")} | ${fmt((100 * result.on.rps) / result.off.rps)}% / ${fmt((100 * result["on 10%"].rps) / result.off.rps)}% |`);
  }
  const rps = (n: Name) => totals[n].requests / totals[n].seconds;
  const cpuPer = (n: Name) => totals[n].cpu / Math.max(1, totals[n].requests);
  rows.push(
    `| all rounds (totals) | ${names.map((n) => `${fmt(rps(n), 0)} req/s, ${fmt(cpuPer(n), 0)} µs CPU/req`).join(" | ")} | ${fmt((100 * rps("on")) / rps("off"))}% / ${fmt((100 * rps("on 10%")) / rps("off"))}%; CPU/req +${fmt(cpuPer("on") - cpuPer("off"), 0)} / +${fmt(cpuPer("on 10%") - cpuPer("off"), 0)} µs |`,
    `| **median of the ${rounds} per-round ratios** | | | | **${fmt(100 * median(ratios.on))}%** / **${fmt(100 * median(ratios["on 10%"]))}%** (target >= 90% at 100 %); CPU/req +${fmt(median(ratios.cpuOn), 0)} / +${fmt(median(ratios.cpu10), 0)} µs |`,
  );
  // Let the last batch go out, so the sink's count covers every span.
  await new Promise((r) => setTimeout(r, 5500));
} finally {
  for (const n of names) await gateways[n].stop();
  await upstream.stop();
  sink.close();
}

console.log(
  `\nbench:tracing on ${cpus().length} cores (${cpus()[0]?.model}), node ${process.version}, load average ${fmt(load, 2)} at start; ` +
    `${haveWrk ? "wrk -t1" : "autocannon"} c=${connections}, ${seconds}s per case, ${rounds} rounds; load average ${fmt(loadavg()[0]!, 2)} at the end; sink got ${sink.exports} OTLP exports, ${fmt(sink.bytes / 1048576, 1)} MiB\n`,
);
console.log("| case | tracing off | tracing on, 100 % sampled (always_on) | tracing on, 10 % sampled (traceidratio 0.1) | throughput on/off: 100 % / 10 % |");
console.log("|---|---|---|---|---|");
for (const row of rows) console.log(row);
console.log("");
for (const line of pairedTable) console.log(line);
console.log("");
for (const line of spanTable) console.log(line);

import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { Pool } from "undici";
import { parseConfig } from "../../src/app/load-config.js";
import { startGateway, type RunningGateway } from "../../src/app/start-gateway.js";
import { seededRandom } from "../../test/support/seeded-random.js";
import { cpuPerRequest } from "../paired/cpu-round.js";
import { chatBody } from "../proxy/measure.js";

/**
 * The second table of bench:tracing (run.ts): tracing off and on at 100 % sampling, two gateways
 * in ONE process (this build, the same config but for `telemetry.tracing`), driven in alternating
 * rounds by an in-process undici client at 16 in flight against the same mock upstream; the OTLP
 * sink (reads each export, answers 200) runs in a process of its own, as a collector would. CPU time of the process per request (client
 * included, the same for both) and the median of the per-round differences and ratios. A shared,
 * loaded machine moves the separate-process figures by more than tracing costs; rounds a few
 * hundred milliseconds apart in one process cancel most of that (the method of bench:paired).
 * BENCH_PAIRED_CALLS (default 3000) requests per round, BENCH_PAIRED_ROUNDS (default 12).
 */
const SINK = `require("node:http").createServer((q, s) => { q.resume(); q.on("end", () => s.writeHead(200).end()); }).listen(0, "127.0.0.1", function () { console.log(this.address().port); });`;

export async function inProcessTable(upstreamUrl: string): Promise<string[]> {
  const sink = spawn(process.execPath, ["-e", SINK], { stdio: ["ignore", "pipe", "inherit"] });
  const [port] = (await once(sink.stdout, "data")) as [Buffer];
  const sinkUrl = `http://127.0.0.1:${String(port).trim()}`;
  const calls = Number(process.env.BENCH_PAIRED_CALLS ?? 3000);
  const rounds = Number(process.env.BENCH_PAIRED_ROUNDS ?? 12);
  const quiet = pino({ level: "info" }, new Writable({ write: (_c, _e, done) => done() }));
  const start = async (tracing: string): Promise<{ gateway: RunningGateway; pool: Pool }> => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-bench-tracing-"));
    const config = parseConfig(
      `providers: [ { id: upstream, kind: openai, base_url: "${upstreamUrl}/v1" } ]\n` +
        `models: [ { alias: bench, targets: [ { provider: upstream, model: bench-1 } ] } ]\n` +
        `data_dir: ${JSON.stringify(join(dir, "data"))}\n` +
        tracing,
      "bench",
      {},
    );
    const gateway = await startGateway(config, { port: 0, logger: quiet });
    return { gateway, pool: new Pool(gateway.url, { connections: 16, pipelining: 1 }) };
  };
  const contenders = [await start(""), await start(`telemetry: { tracing: { endpoint: "${sinkUrl}", sampler: always_on } }\n`)];
  const bodies = Array.from({ length: 64 }, (_, i) => chatBody(seededRandom(2000 + i), "bench", false));
  const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const round = (pool: Pool, n: number): Promise<number> => cpuPerRequest(pool, bodies, n, { traceparent });
  try {
    for (const c of contenders) await round(c.pool, 3000); // warm-up: JIT, connection pools, the exporter's connection
    const perRequest: number[][] = [[], []];
    for (let k = 0; k < rounds; k++) for (const j of k % 2 ? [1, 0] : [0, 1]) perRequest[j]!.push(await round(contenders[j]!.pool, calls));
    const median = (a: number[]) => {
      const s = a.slice().sort((x, y) => x - y);
      return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    const [off, on] = perRequest as [number[], number[]];
    return [
      `in one process, alternating: ${rounds} rounds of ${calls} requests at 16 in flight (each with a caller's traceparent)`,
      "",
      "| case | CPU µs per request (median of rounds) | rounds |",
      "|---|---|---|",
      `| tracing off | ${median(off).toFixed(1)} | ${off.map((x) => x.toFixed(0)).join(" ")} |`,
      `| tracing on, 100 % sampled | ${median(on).toFixed(1)} | ${on.map((x) => x.toFixed(0)).join(" ")} |`,
      `| **on - off, median of per-round differences** | **+${median(on.map((x, i) => x - off[i]!)).toFixed(1)} µs** (on/off ${median(on.map((x, i) => x / off[i]!)).toFixed(3)}) | |`,
    ];
  } finally {
    for (const c of contenders) {
      await c.pool.close();
      await c.gateway.close();
    }
    sink.kill();
  }
}

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Pool } from "undici";
import { seededRandom } from "../../test/support/seeded-random.js";
import { cpuPerRequest } from "./cpu-round.js";
import { chatBody, sequentialLatency } from "../proxy/measure.js";
import { startGatewayProcess, startMockUpstream } from "../proxy/processes.js";

/**
 * npm run bench:paired -- <other checkout>: two builds of the gateway (this one and another
 * checkout's, each with its own dist/) in ONE process, against one mock upstream process,
 * driven in alternating rounds by an in-process undici client at 16 in flight. Reports the CPU
 * time of the process per request (the client's included: the same for both) and the median of
 * the per-round ratios. On a shared, loaded machine the separate-process bench (bench:proxy)
 * moves by 2x between runs; alternating rounds in one process cancel most of that.
 * Env: PAIRED_CALLS (requests per round, default 3000), PAIRED_ROUNDS (default 10),
 * PAIRED_STREAM=1 (streamed answers), PAIRED_TTFB=1 (instead of CPU: sequential streamed
 * requests on one keep-alive connection, PAIRED_CALLS per round, the p50 time to the first body
 * byte of each round; here each build runs as its own `sluice serve` process, since a client in
 * the gateway's process cannot read a byte before the gateway's turn of the event loop ends, which
 * hides when the gateway sent it). Start with stdout to /dev/null (the gateways' access logs); the
 * result goes to stderr.
 */
const other = process.argv[2];
if (!other) throw new Error("usage: node dist/bench/paired/run.js <other checkout with a built dist/>");
const here = join(import.meta.dirname, "../../..");
const calls = Number(process.env.PAIRED_CALLS ?? 3000);
const rounds = Number(process.env.PAIRED_ROUNDS ?? 10);
const ttfb = process.env.PAIRED_TTFB === "1";
const stream = ttfb || process.env.PAIRED_STREAM === "1";

interface Contender {
  root: string;
  url: string;
  close: () => Promise<void>;
  pool: Pool;
}

const upstream = await startMockUpstream();
const contenders: Contender[] = [];
try {
  for (const root of [here, other]) {
    if (ttfb) {
      process.env.BENCH_SLUICE = join(root, "bin/sluice.js"); // read by startGatewayProcess
      const child = await startGatewayProcess(upstream.url);
      contenders.push({ root, url: child.url, close: () => child.stop(), pool: new Pool(child.url, { connections: 1 }) });
      continue;
    }
    const { parseConfig } = await import(pathToFileURL(join(root, "dist/src/app/load-config.js")).href);
    const { startGateway } = await import(pathToFileURL(join(root, "dist/src/app/start-gateway.js")).href);
    const dir = mkdtempSync(join(tmpdir(), "sluice-paired-"));
    const config = parseConfig(
      `providers: [ { id: upstream, kind: openai, base_url: "${upstream.url}/v1" } ]\n` +
        `models: [ { alias: bench, targets: [ { provider: upstream, model: bench-1 } ] } ]\n` +
        `data_dir: ${JSON.stringify(join(dir, "data"))}\n`,
      "bench",
    );
    const running = await startGateway(config, { port: 0 });
    contenders.push({ root, url: running.url, close: () => running.close(), pool: new Pool(running.url, { connections: 16, pipelining: 1 }) });
  }
  const bodies = Array.from({ length: 64 }, (_, i) => chatBody(seededRandom(1000 + i), "bench", stream));
  const round = (pool: Pool, n: number): Promise<number> => cpuPerRequest(pool, bodies, n);
  // A TTFB round: the p50 of sequential first-byte times, in µs.
  const ttfbRound = async (c: Contender, n: number): Promise<number> => (await sequentialLatency(c.url, bodies, n, true)).p50;
  for (const c of contenders) await (ttfb ? ttfbRound(c, 500) : round(c.pool, 3000)); // warm-up: JIT, connection pools
  const perRequest: number[][] = [[], []];
  for (let k = 0; k < rounds; k++) {
    for (const j of k % 2 ? [1, 0] : [0, 1]) perRequest[j]!.push(await (ttfb ? ttfbRound(contenders[j]!, calls) : round(contenders[j]!.pool, calls)));
  }
  const median = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1]!;
  const out = (line: string) => process.stderr.write(`${line}\n`);
  const unit = ttfb ? "µs p50 time to first byte" : "µs CPU/request";
  out(`bench:paired, ${ttfb ? "time to first byte, sequential streamed requests," : `${stream ? "streamed" : "whole"} answers,`} ${rounds} rounds of ${calls} requests${ttfb ? "" : " at 16 in flight"}`);
  for (const [j, c] of contenders.entries()) out(`${c.root}: median ${median(perRequest[j]!).toFixed(1)} ${unit} (rounds: ${perRequest[j]!.map((x) => x.toFixed(0)).join(" ")})`);
  out(`this / other, median of per-round ratios: ${median(perRequest[0]!.map((a, i) => a / perRequest[1]![i]!)).toFixed(3)}`);
} finally {
  for (const c of contenders) {
    await c.pool.close();
    await c.close();
  }
  await upstream.stop();
}
process.exit(0);

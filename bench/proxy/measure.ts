import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Pool } from "undici";
import { seededRandom as seeded } from "../../test/support/seeded-random.js";

const require = createRequire(import.meta.url);
const autocannon = require("autocannon") as (opts: object) => Promise<any>;

const words = "gateway latency stream token budget provider route cache model answer question fast slow".split(" ");

/** A chat body with a seeded ~40-word prompt. */
export function chatBody(random: () => number, model: string, stream: boolean, paced = false): string {
  const prompt = Array.from({ length: 40 }, () => words[Math.floor(random() * words.length)]).join(" ");
  const messages = [{ role: "system", content: "You are terse." }, { role: "user", content: prompt }];
  // `user: paced` asks the mock upstream to send a stream's events apart in time (mock-upstream.ts).
  return JSON.stringify(paced ? { model, stream, messages, user: "paced" } : { model, stream, messages });
}

export interface Percentiles {
  p50: number;
  p99: number;
  mean: number;
}

function percentiles(samples: number[]): Percentiles {
  const sorted = samples.slice().sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

/**
 * Sequential requests on one keep-alive connection (c=1), timed in microseconds with
 * hrtime: autocannon's millisecond histogram is too coarse for sub-millisecond overheads.
 * `untilFirstByte` stops the clock at the first body byte (time to first streamed byte).
 */
export async function sequentialLatency(
  origin: string,
  bodies: string[],
  count: number,
  untilFirstByte: boolean,
): Promise<Percentiles> {
  const pool = new Pool(origin, { connections: 1, pipelining: 1 });
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const started = process.hrtime.bigint();
      const res = await pool.request({
        path: "/v1/chat/completions",
        method: "POST",
        headers: { "content-type": "application/json" },
        body: bodies[i % bodies.length]!,
      });
      let firstByteAt = 0n;
      for await (const _ of res.body) {
        if (firstByteAt === 0n) firstByteAt = process.hrtime.bigint();
      }
      const end = untilFirstByte ? firstByteAt : process.hrtime.bigint();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
      samples.push(Number(end - started) / 1000);
    }
  } finally {
    await pool.close();
  }
  return percentiles(samples);
}

export interface Throughput {
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  /** Requests completed (for CPU time per request). */
  requests: number;
}

/** wrk (one thread, keep-alive) when it is installed: it costs less CPU than autocannon, which matters on 2 cores. */
export const haveWrk = spawnSync("wrk", ["--version"]).error === undefined;

/** Load at `connections` for `seconds` with the given bodies (and extra request headers): wrk when installed, else autocannon. */
export function throughput(origin: string, bodies: string[], connections: number, seconds: number, headers: Record<string, string> = {}): Promise<Throughput> {
  const all = { "content-type": "application/json", ...headers };
  return haveWrk ? wrkThroughput(origin, bodies, connections, seconds, all) : autocannonThroughput(origin, bodies, connections, seconds, all);
}

const run = promisify(execFile);

async function wrkThroughput(origin: string, bodies: string[], connections: number, seconds: number, headers: Record<string, string>): Promise<Throughput> {
  const script = join(mkdtempSync(join(tmpdir(), "sluice-wrk-")), "bodies.lua");
  const quoted = bodies.map((b) => `[==[${b}]==]`).join(",\n");
  const luaHeaders = Object.entries(headers)
    .map(([name, value]) => `["${name}"] = "${value}"`)
    .join(", ");
  writeFileSync(
    script,
    `local bodies = {\n${quoted}\n}\nlocal i = 0\nrequest = function()\n  i = i + 1\n` +
      `  return wrk.format("POST", "/v1/chat/completions", { ${luaHeaders} }, bodies[(i % #bodies) + 1])\nend\n`,
  );
  const { stdout } = await run("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", script, `${origin}/v1/chat/completions`]);
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? 0);
  const ms = (re: RegExp) => {
    const m = re.exec(stdout);
    if (!m) return 0;
    const factor = m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1;
    return Math.round(Number(m[1]) * factor * 100) / 100;
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = num(/Non-2xx or 3xx responses: (\d+)/) + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rps: num(/Requests\/sec:\s+([\d.]+)/), p50ms: ms(/50%\s+([\d.]+)(us|ms|s)/), p99ms: ms(/99%\s+([\d.]+)(us|ms|s)/), errors, requests: num(/(\d+) requests in/) };
}

/** autocannon at `connections`, for `seconds`, with the given bodies. */
async function autocannonThroughput(origin: string, bodies: string[], connections: number, seconds: number, headers: Record<string, string>): Promise<Throughput> {
  let i = 0;
  const result = await autocannon({
    url: `${origin}/v1/chat/completions`,
    connections,
    duration: seconds,
    method: "POST",
    headers,
    requests: [{ setupRequest: (req: object) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
  });
  return { rps: result.requests.average, p50ms: result.latency.p50, p99ms: result.latency.p99, errors: result.errors + result.non2xx, requests: result.requests.total };
}

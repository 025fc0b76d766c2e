import { createRequire } from "node:module";
import { Pool } from "undici";
import { seededRandom as seeded } from "../../test/support/seeded-random.js";

const require = createRequire(import.meta.url);
const autocannon = require("autocannon") as (opts: object) => Promise<any>;

const words = "gateway latency stream token budget provider route cache model answer question fast slow".split(" ");

/** A chat body with a seeded ~40-word prompt. */
export function chatBody(random: () => number, model: string, stream: boolean): string {
  const prompt = Array.from({ length: 40 }, () => words[Math.floor(random() * words.length)]).join(" ");
  return JSON.stringify({ model, stream, messages: [{ role: "system", content: "You are terse." }, { role: "user", content: prompt }] });
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
}

/** autocannon at `connections`, for `seconds`, with the given bodies. */
export async function throughput(origin: string, bodies: string[], connections: number, seconds: number): Promise<Throughput> {
  let i = 0;
  const result = await autocannon({
    url: `${origin}/v1/chat/completions`,
    connections,
    duration: seconds,
    method: "POST",
    headers: { "content-type": "application/json" },
    requests: [{ setupRequest: (req: object) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
  });
  return { rps: result.requests.average, p50ms: result.latency.p50, p99ms: result.latency.p99, errors: result.errors + result.non2xx };
}

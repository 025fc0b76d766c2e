import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startRedis } from "../../test/support/redis.js";
import { freePort, rssMiB } from "../proxy/processes.js";

/**
 * npm run bench:memory: what each part of the gateway costs in resident memory. Each case
 * starts `sluice serve` (as users run it, bin/sluice.js) on its own config, waits until it is
 * ready and quiet, and reads its RSS from /proc; ratios are against the built-in default.
 * Cases:
 *  - default: the built-in config (`npm start`): mock provider, tokens slot not yet used;
 *  - default, tokens used: after one `/v1/tokens/count` (the tokens slot's instance starts);
 *  - default, V8's default young generation: without bin/sluice.js's --max-semi-space-size;
 *  - pii slot: `policies.pii` with one action;
 *  - cache: exact + semantic (built-in embedder);
 *  - redis: `redis.url` (limits, keys, ledger stream, policy versions in Redis).
 * Env: BENCH_SETTLE_MS (quiet time before reading RSS, default 1500).
 */
const root = fileURLToPath(new URL("../../../", import.meta.url));
const settleMs = Number(process.env.BENCH_SETTLE_MS ?? 1500);

interface Case {
  name: string;
  yaml: string;
  /** Run through `node` directly, without the executable's own V8 flags. */
  plainNode?: boolean;
  /** Called once the gateway is ready, before the reading. */
  warm?: (url: string) => Promise<void>;
}

async function measure(c: Case): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-mem-"));
  const config = join(dir, "sluice.yaml");
  writeFileSync(config, `data_dir: ${JSON.stringify(join(dir, "data"))}\n${c.yaml}`);
  const port = await freePort();
  const args = ["serve", "--config", config, "--port", String(port)];
  const bin = join(root, "bin/sluice.js");
  const child = c.plainNode
    ? spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "ignore", "ignore"] })
    : spawn(bin, args, { stdio: ["ignore", "ignore", "ignore"] });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch {
        if (i > 600) throw new Error(`${c.name}: gateway did not start`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await c.warm?.(url);
    await new Promise((r) => setTimeout(r, settleMs));
    return rssMiB(child.pid!);
  } finally {
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  }
}

const countTokens = async (url: string) => {
  const res = await fetch(`${url}/v1/tokens/count`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-echo", messages: [{ role: "user", content: "How many tokens is this?" }] }),
  });
  if (!res.ok) throw new Error(`token count: ${res.status}`);
};

const redis = await startRedis();
const cases: Case[] = [
  { name: "default (npm start)", yaml: "" },
  { name: "default, tokens slot used", yaml: "", warm: countTokens },
  { name: "default, V8's default young generation", yaml: "", plainNode: true },
  { name: "pii slot", yaml: "policies: { pii: { actions: { EMAIL_ADDRESS: redact } } }\n" },
  { name: "response cache (exact + semantic)", yaml: "cache: { exact: { ttl_s: 60 }, semantic: { threshold: 0.95, embedder: builtin } }\n" },
  { name: "redis.url", yaml: `redis: { url: "${redis.url}" }\n` },
];
const rows: string[] = [];
let base = 0;
try {
  for (const c of cases) {
    const rss = await measure(c);
    if (base === 0) base = rss;
    rows.push(`| ${c.name} | ${rss.toFixed(1)} MiB | ${rss === base ? "" : `${rss > base ? "+" : ""}${(rss - base).toFixed(1)} MiB`} |`);
  }
} finally {
  await redis.stop();
}
console.log(`\nbench:memory on ${cpus().length} cores, node ${process.version}; RSS ${settleMs} ms after ready\n`);
console.log("| case | RSS | vs default |");
console.log("|---|---:|---:|");
for (const row of rows) console.log(row);

/**
 * The fault soak (`npm run soak`): one `sluice serve` process, a private redis-server and two
 * fake upstreams on loopback; every surface driven at once by clients that complete, abort, stop
 * reading or disconnect, against upstreams that answer, fail, hang, cut streams and send
 * malformed SSE, while Redis is killed and restarted and the pii module is swapped. Then it
 * checks that nothing was lost or leaked, prints each check with its figures, and exits 1 when
 * one fails.
 *
 *   npm run soak                                   # builds, then SOAK_SECONDS of load (default 120)
 *   SOAK_QUICK=1 npm run soak                      # 45 s of load, shorter settle
 *   SOAK_SECONDS=60 SOAK_SEED=7 SOAK_WORKERS=8 node dist/bench/soak/run.js
 *
 * Env: SOAK_SECONDS, SOAK_SEED (default 20261205), SOAK_WORKERS (concurrent clients, default
 * 10), SOAK_SETTLE_SECONDS (quiet time before the end checks, default 15; quick 10),
 * SOAK_WARM_SECONDS (the mix without Redis or policy faults before RSS is first measured,
 * default 10; quick 5), SOAK_CHAOS
 * (the faults injected besides the upstreams': default `redis,policy`; `none`, `redis` or
 * `policy` to tell which one a failing check comes from).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AdminService } from "../../src/gen/sluice/v1/admin_pb.js";
import { crashLines, errorMessages, ledgerCheck, outstandingReservations, type Check } from "./checks.js";
import { SoakClients, type Call, type Operation, type Surface } from "./clients.js";
import { ACME_TPM, ADMIN_KEY, DRAIN_TIMEOUT_MS, SOAK_KEYS, soakConfig } from "./config.js";
import { startFakeUpstream } from "./fake-upstream.js";
import { runLoad, type SoakRecord } from "./load.js";
import { rssKiB, startGateway, startRedis } from "./processes.js";

const quick = process.env.SOAK_QUICK === "1";
const SECONDS = Number(process.env.SOAK_SECONDS ?? (quick ? 45 : 120));
const SEED = Number(process.env.SOAK_SEED ?? 20261205);
const WORKERS = Number(process.env.SOAK_WORKERS ?? 10);
const SETTLE_S = Number(process.env.SOAK_SETTLE_SECONDS ?? (quick ? 10 : 15));
/** The same mix, without Redis or policy faults, before RSS is first measured: first-use allocations are not growth. */
const WARM_S = Number(process.env.SOAK_WARM_SECONDS ?? (quick ? 5 : 10));
/** Largest /metrics answer accepted at the end: twice the start, or the start plus 256 KiB. */
const METRICS_GROWTH_BYTES = 256 * 1024;
/** Which faults the timeline injects: `redis` (kill and restart), `policy` (pushes and a rollback). */
const CHAOS = new Set((process.env.SOAK_CHAOS ?? "redis,policy").split(",").map((c) => c.trim()));
const PREFIX = `soak${SEED}`;
const root = fileURLToPath(new URL("../../../", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

async function metricsText(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return res.text();
}

/** Asks for the tenant's whole tpm (max tokens = tpm) until admitted, waiting out each retry-after. */
async function fullTpm(url: string, deadline: number, records: SoakRecord[]): Promise<{ ok: boolean; waitedMs: number; attempts: number; last: string }> {
  const t0 = Date.now();
  let last = "";
  for (let attempt = 1; ; attempt++) {
    const id = `${PREFIX}-tpm-${attempt}`;
    const call: Call = {
      id, surface: "rest", op: "chat", behaviour: "complete", key: SOAK_KEYS.acme1, model: "steady", text: "full tpm probe",
      maxTokens: ACME_TPM, abortAfterMs: 0, abortAfterChunks: 0, holdMs: 0,
    };
    let retryAfterS = 1;
    try {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${call.key}`, "x-request-id": id },
        body: JSON.stringify({ model: call.model, messages: [{ role: "user", content: call.text }], max_tokens: call.maxTokens }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = await res.text();
      last = `${res.status} ${body.slice(0, 160)}`;
      records.push({ call, kind: "tpm-probe", expect: "yes", answered: true, outcome: String(res.status), echoedId: res.headers.get("x-request-id") ?? undefined, chunks: 1, ms: 0 });
      if (res.status === 200) return { ok: true, waitedMs: Date.now() - t0, attempts: attempt, last };
      retryAfterS = Number(res.headers.get("retry-after") ?? 1) || 1;
    } catch (err) {
      last = String(err);
    }
    const wait = Math.min(retryAfterS * 1000, deadline - Date.now());
    if (wait <= 0) return { ok: false, waitedMs: Date.now() - t0, attempts: attempt, last };
    await sleep(wait);
  }
}

const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

/** JS heap used and committed, and external memory (MiB), from the gateway's process metrics. */
function heapFigures(metrics: string): { used: string; total: string; external: string } {
  const value = (name: string) => {
    const m = new RegExp(`^${name} (\\S+)$`, "m").exec(metrics);
    return m ? (Number(m[1]) / 1048576).toFixed(1) : "?";
  };
  return {
    used: value("sluice_process_nodejs_heap_size_used_bytes"),
    total: value("sluice_process_nodejs_heap_size_total_bytes"),
    external: value("sluice_process_nodejs_external_memory_bytes"),
  };
}

function tally(records: SoakRecord[], key: (r: SoakRecord) => string): string {
  const m = new Map<string, number>();
  for (const r of records) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ");
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-soak-"));
  const dataDir = join(dir, "data");
  mkdirSync(dataDir);
  log(`seed ${SEED}, ${SECONDS} s of load, ${WORKERS} clients, settle ${SETTLE_S} s, chaos ${[...CHAOS].join(",")}; files in ${dir}`);

  const redis = await startRedis();
  const faulty = await startFakeUpstream();
  const steady = await startFakeUpstream();
  const configPath = join(dir, "soak.yaml");
  writeFileSync(configPath, soakConfig({ dataDir, redisUrl: redis.url, faultyUrl: faulty.url, steadyUrl: steady.url }));
  const gateway = await startGateway(configPath, dir);
  log(`gateway pid ${gateway.pid} at ${gateway.url}, redis ${redis.url}`);
  const clients = new SoakClients(gateway.url);
  const records: SoakRecord[] = [];

  // Warm-up: every surface and operation a few times, answered normally.
  const surfaces: Surface[] = ["rest", "grpc", "connect"];
  const ops: Operation[] = ["chat", "stream", "embed", "count"];
  let w = 0;
  for (let round = 0; round < 3; round++) {
    for (const surface of surfaces) {
      for (const op of ops) {
        const call: Call = {
          id: `${PREFIX}-warm-${w++}`, surface, op, behaviour: "complete", key: SOAK_KEYS.acme2, model: op === "embed" ? "emb" : "steady",
          text: `warm-up ${round} ${surface} ${op}`, maxTokens: 32, abortAfterMs: 0, abortAfterChunks: 0, holdMs: 0,
        };
        const r = await clients.run(call);
        records.push({ ...r, call, kind: "warm-up", expect: op === "count" ? "no" : r.answered ? "yes" : "maybe", ms: 0 });
      }
    }
  }
  const rssFirst = rssKiB(gateway.pid);
  const warm = await runLoad({ clients, keys: SOAK_KEYS, seed: SEED + 1, workers: WORKERS, until: Date.now() + WARM_S * 1000, thinkMs: 40, prefix: `${PREFIX}w` });
  records.push(...warm);
  await sleep(2000);
  const rssStartLazy = rssKiB(gateway.pid);
  const gcStart = await gateway.collectGarbage();
  await sleep(1000);
  const rssStart = rssKiB(gateway.pid);
  const heapStart = heapFigures(await metricsText(gateway.url));
  const metricsStart = Buffer.byteLength(await metricsText(gateway.url));
  log(`warm-up done (${records.length} requests); RSS after the first requests ${rssFirst} KiB, after ${WARM_S} s of the mix ${rssStartLazy} KiB, after a full GC ${rssStart} KiB (${gcStart ? "inspector answered" : "no inspector"}), /metrics ${metricsStart} B`);

  // Watchers: health and RSS every second.
  let healthFailures = 0;
  let healthProbes = 0;
  let rssPeak = rssStart;
  const watch = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssKiB(gateway.pid));
    healthProbes++;
    fetch(`${gateway.url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => void (r.ok || healthFailures++),
      () => void healthFailures++,
    );
  }, 1000);

  // Faults on a timeline: Redis killed and restarted twice, the pii module pushed three times and rolled back.
  const admin = createClient(AdminService, createConnectTransport({ baseUrl: gateway.url, httpVersion: "1.1" }));
  const adminHeaders = { authorization: `Bearer ${ADMIN_KEY}` };
  const modules = [join(root, "dist/policy-wasm/pii.wasm"), join(root, "dist/policy-wasm/pii-hostio.wasm")];
  const events: string[] = [];
  const push = async (i: number) => {
    try {
      const res = await admin.pushPolicy({ slot: "pii", module: new Uint8Array(readFileSync(modules[i % 2]!)), note: `soak push ${i}` }, { headers: adminHeaders });
      events.push(`push pii v${res.version?.version}: ok`);
    } catch (err) {
      events.push(`push pii ${i}: ${String(err).slice(0, 120)}`);
    }
  };
  const steps: Array<[number, string, () => Promise<void>]> = [
    [0.15, "push pii module", () => push(0)],
    [0.25, "kill redis", () => redis.kill()],
    [0.4, "restart redis", () => redis.restart()],
    [0.5, "push pii module", () => push(1)],
    [0.6, "kill redis", () => redis.kill()],
    [0.7, "restart redis", () => redis.restart()],
    [0.78, "push pii module", () => push(2)],
    // Redis keeps no data across its restarts: two versions pushed since the last one, so there is one to roll back to.
    [0.85, "push pii module", () => push(3)],
    [
      0.92,
      "roll back pii",
      async () => {
        try {
          const r = await admin.rollbackPolicy({ slot: "pii", version: 0 }, { headers: adminHeaders });
          events.push(`rollback pii to v${r.activation?.version}: ok`);
        } catch (err) {
          events.push(`rollback pii: ${String(err).slice(0, 120)}`);
        }
      },
    ],
  ];
  const timeline = steps.filter(([, what]) => (what.includes("redis") ? CHAOS.has("redis") : CHAOS.has("policy")));
  const loadStart = Date.now();
  const until = loadStart + SECONDS * 1000;
  const chaos = (async () => {
    for (const [at, what, act] of timeline) {
      await sleep(Math.max(0, loadStart + at * SECONDS * 1000 - Date.now()));
      log(what);
      events.push(`${Math.round((Date.now() - loadStart) / 1000)} s: ${what}`);
      await act();
    }
  })();
  const progress = setInterval(() => log(`load: ${Math.round((Date.now() - loadStart) / 1000)} s, RSS ${rssKiB(gateway.pid)} KiB`), 15_000);

  const load = await runLoad({ clients, keys: SOAK_KEYS, seed: SEED, workers: WORKERS, until, thinkMs: 40, prefix: PREFIX });
  await chaos;
  clearInterval(progress);
  const loadEnd = Date.now();
  records.push(...load);
  log(`load done: ${load.length} requests in ${((loadEnd - loadStart) / 1000).toFixed(1)} s; settling ${SETTLE_S} s`);
  clients.close();
  await sleep(SETTLE_S * 1000);

  const checks: Check[] = [];
  const sockets = { open: faulty.openSockets() + steady.openSockets(), inflight: faulty.inflight() + steady.inflight() };
  const metricsEndText = await metricsText(gateway.url).catch(() => undefined);
  const metricsEnd = metricsEndText === undefined ? -1 : Buffer.byteLength(metricsEndText);
  if (metricsEndText !== undefined) writeFileSync(join(dir, "metrics-end.txt"), metricsEndText);
  // Series that carry a caller-chosen string (the soak's unknown and unauthenticated model names).
  const callerSeries = (metricsEndText ?? "").split("\n").filter((l) => l.includes("no-such-model-") || l.includes("xxxxxxxxxx")).length;
  const rssSettled = rssKiB(gateway.pid);
  let outstanding: { total: number; byKey: Record<string, number> } | undefined;
  try {
    outstanding = await outstandingReservations(redis.url);
  } catch (err) {
    log(`outstanding reservations: ${String(err)}`);
  }
  log(`tenant acme's full tpm (${ACME_TPM}) ...`);
  const tpm = await fullTpm(gateway.url, loadEnd + 75_000, records);
  const rssEndLazy = rssKiB(gateway.pid);
  const gcEnd = await gateway.collectGarbage();
  await sleep(1000);
  const rssEnd = rssKiB(gateway.pid);
  const heapEnd = heapFigures((await metricsText(gateway.url).catch(() => "")) ?? "");
  clearInterval(watch);
  const aliveThroughout = gateway.exited === undefined;

  log("SIGTERM");
  const stopped = await gateway.stop(DRAIN_TIMEOUT_MS + 10_000);
  await redis.stop();
  await faulty.close();
  await steady.close();

  checks.push({
    name: "zero crashes (the gateway alive throughout)",
    pass: aliveThroughout && healthFailures === 0,
    detail: `alive until SIGTERM: ${aliveThroughout}; /healthz failures ${healthFailures} of ${healthProbes}`,
  });
  const crash = crashLines([gateway.stdoutPath, gateway.stderrPath]);
  checks.push({
    name: "zero unhandled rejections / uncaught exceptions",
    pass: crash.crashes.length === 0,
    detail: `${crash.crashes.length} lines${crash.crashes.length ? `, first: ${crash.crashes[0]}` : ""}; process warnings: ${[...crash.warnings].map(([k, v]) => `${k} ${v}`).join(", ") || "none"}; level-50 log lines ${crash.errors}`,
  });
  checks.push(...ledgerCheck(dataDir, records, PREFIX));
  checks.push({
    name: "zero outstanding reservations (Redis)",
    pass: outstanding?.total === 0,
    detail: outstanding ? `${outstanding.total} held${outstanding.total ? ` (${JSON.stringify(outstanding.byKey)})` : ""}, ${SETTLE_S} s after the load` : "could not read Redis",
  });
  checks.push({
    name: "the tenant's full tpm usable again",
    pass: tpm.ok,
    detail: `${ACME_TPM} tokens ${tpm.ok ? "admitted" : "not admitted"} ${((Date.now() - loadEnd) / 1000).toFixed(0)} s after the load (${tpm.attempts} tries over ${(tpm.waitedMs / 1000).toFixed(1)} s, waiting out retry-after; a bucket refills fully 60 s after its last use); last answer ${tpm.last.slice(0, 100)}`,
  });
  const rssRatio = rssEnd / rssStart;
  checks.push({
    name: "RSS back within 10% of its start",
    pass: rssRatio <= 1.1,
    detail:
      `after a full GC (${gcStart && gcEnd ? "through the inspector" : "inspector unavailable: lazy figures"}): start (after ${WARM_S} s of warm-up) ${mib(rssStart)}, end ${mib(rssEnd)} (${((rssRatio - 1) * 100).toFixed(1)}%); ` +
      `without a GC: after the first requests ${mib(rssFirst)}, start ${mib(rssStartLazy)}, peak ${mib(rssPeak)}, ${SETTLE_S} s after the load ${mib(rssSettled)}, end ${mib(rssEndLazy)}; ` +
      `JS heap used ${heapStart.used} -> ${heapEnd.used} MiB (of ${heapStart.total} -> ${heapEnd.total}), external ${heapStart.external} -> ${heapEnd.external} MiB`,
  });
  checks.push({
    name: "no upstream socket left open",
    pass: sockets.open === 0 && sockets.inflight === 0,
    detail: `${SETTLE_S} s after the load: ${sockets.open} open at the upstreams, ${sockets.inflight} with an unfinished request`,
  });
  checks.push({
    name: "/metrics size bounded",
    pass: metricsEnd >= 0 && metricsEnd <= Math.max(2 * metricsStart, metricsStart + METRICS_GROWTH_BYTES) && callerSeries === 0,
    detail: `start ${(metricsStart / 1024).toFixed(1)} KiB, end ${(metricsEnd / 1024).toFixed(1)} KiB, series labelled with a caller's model string ${callerSeries} (${records.filter((r) => r.kind === "unauth").length} unauthenticated requests with unique 2 KB model names, ${records.filter((r) => r.kind === "unknown-model").length} with unknown model names)`,
  });
  checks.push({
    name: "SIGTERM: drained and exited 0",
    pass: stopped.code === 0,
    detail: `exit code ${stopped.code}${stopped.signal ? `, signal ${stopped.signal}` : ""} after ${stopped.ms} ms (drain_timeout_ms ${DRAIN_TIMEOUT_MS})`,
  });

  const stuck = load.filter((r) => r.outcome === "stuck");
  const echoMismatch = records.filter((r) => r.echoedId !== undefined && r.echoedId !== r.call.id).length;
  const lines = [
    "",
    `Sluice fault soak: seed ${SEED}, ${SECONDS} s, ${WORKERS} clients, ${load.length} requests (${(load.length / ((loadEnd - loadStart) / 1000)).toFixed(1)}/s) + ${records.length - load.length} warm-up/probe; chaos ${[...CHAOS].join(",")}`,
    `  by surface/op: ${tally(load, (r) => `${r.call.surface}/${r.call.op}`)}`,
    `  by behaviour: ${tally(load, (r) => r.call.behaviour)}`,
    `  by fault: ${tally(load, (r) => r.kind)}`,
    `  outcomes: ${tally(load, (r) => r.outcome)}`,
    `  upstream received: ${[...faulty.received].map(([k, v]) => `${k} ${v}`).join(", ")} (faulty); ${[...steady.received].map(([k, v]) => `${k} ${v}`).join(", ")} (steady)`,
    `  x-request-id echoed differently: ${echoMismatch}`,
    `  client calls stuck past their own time limit: ${stuck.length}${stuck.length ? ` (${tally(stuck, (r) => `${r.call.surface}/${r.call.op}/${r.call.behaviour}/${r.kind}`)})` : ""}`,
    `  events: ${events.join("; ")}`,
    `  level-50 log messages: ${errorMessages(gateway.stdoutPath, 6).map(([m, n]) => `${n}x ${m}`).join(" | ") || "none"}`,
    "",
    ...checks.map((c) => `${c.pass ? "PASS" : "FAIL"}  ${c.name}: ${c.detail}`),
    "",
    `${checks.filter((c) => c.pass).length}/${checks.length} checks pass; logs and ledger in ${dir}`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
  writeFileSync(join(dir, "soak-summary.json"), JSON.stringify({ seed: SEED, seconds: SECONDS, workers: WORKERS, requests: load.length, checks, events }, null, 2));
  return checks.every((c) => c.pass) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`soak failed to run: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  },
);

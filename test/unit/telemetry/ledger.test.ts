import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, statSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { Ledger, type UsageRecord } from "../../../src/telemetry/ledger.js";
import { FileLedgerSink, listLedgerFiles } from "../../../src/telemetry/ledger-file.js";
import { RedisStreamLedgerSink } from "../../../src/telemetry/ledger-redis.js";
import { aggregateUsage, readFileLedger, readRedisLedger } from "../../../src/telemetry/usage-query.js";
import type { TestRedis } from "../../support/redis.js";
import { useRedis } from "../../support/use-redis.js";

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "sluice-ledger-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Deterministic records: tenant/key/model/tags cycle, costs in exact nano-USD. */
function records(n: number, start = 0, at = T0): UsageRecord[] {
  return Array.from({ length: n }, (_, j) => {
    const i = start + j;
    return {
      id: `req-${i}`,
      time: new Date(at + i * 1000).toISOString(),
      tenant: i % 3 === 0 ? "acme" : "globex",
      keyId: i % 3 === 0 ? "acme-ci" : `globex-${i % 2}`,
      modelRequested: "fast",
      provider: i % 2 === 0 ? "openai-main" : "claude",
      model: i % 2 === 0 ? "gpt-4o-mini" : "claude-haiku-4-5",
      inputTokens: 100 + i,
      outputTokens: 10 + (i % 7),
      cachedInputTokens: i % 4 === 0 ? 50 : 0,
      costUsd: (100 + i) * 1.5e-7 + 0.000001 * (i % 5),
      cache: "miss",
      latencyMs: 20 + i,
      tags: i % 2 === 0 ? { team: "search", env: "prod" } : ({ team: "ads" } as Record<string, string>),
      outcome: i % 10 === 9 ? "error" : "ok",
    };
  });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("file ledger", () => {
  it("appends JSON lines and rotates by size without splitting or losing records", async () => {
    const dir = tempDir();
    const sink = new FileLedgerSink({ dir, maxBytes: 2_000, now: () => T0 });
    const ledger = new Ledger([sink]);
    const recs = records(40);
    for (const r of recs) ledger.record(r);
    expect(ledger.pending()).toBe(40);
    await ledger.close();
    expect(ledger.pending()).toBe(0);
    const files = await listLedgerFiles(dir);
    expect(files.length).toBeGreaterThan(3);
    expect(files[0]!.path.endsWith("usage-2026-11-22.jsonl")).toBe(true);
    expect(files[1]!.path.endsWith("usage-2026-11-22.1.jsonl")).toBe(true);
    for (const f of files) expect(statSync(f.path).size).toBeLessThanOrEqual(2_000);
    const lines = files.flatMap((f) => readFileSync(f.path, "utf8").trimEnd().split("\n"));
    expect(lines.map((l) => (JSON.parse(l) as UsageRecord).id)).toEqual(recs.map((r) => r.id));
    expect(lines.join("\n")).not.toMatch(/prompt|messages|content/);
  });

  it("writes flushes larger than its encoding buffer, with multi-byte text, byte for byte, flush after flush", async () => {
    const dir = tempDir();
    const sink = new FileLedgerSink({ dir, now: () => T0, flushIntervalMs: 60_000 });
    const expected: string[] = [];
    for (const [batch, n] of [[0, 900], [1, 3], [2, 2_500]] as const) {
      const recs = records(n, batch * 10_000).map((r, i) => ({ ...r, tags: { note: i % 3 === 0 ? "naïve café ✓ 𝔘" : "plain", batch: String(batch) } }));
      sink.append(recs);
      expected.push(...recs.map((r) => JSON.stringify(r)));
      await sink.flush();
    }
    await sink.close();
    const [file] = await listLedgerFiles(dir);
    const text = readFileSync(file!.path, "utf8");
    expect(text.length).toBeGreaterThan(3 * 64 * 1024);
    expect(text).toBe(expected.map((l) => `${l}\n`).join(""));
  });

  it("keeps a batch whose write failed and writes it, before what came since, once it can", async () => {
    const parent = tempDir();
    const dir = join(parent, "ledger");
    appendFileSync(dir, "a file where the directory should be");
    const errors: unknown[] = [];
    const sink = new FileLedgerSink({ dir, now: () => T0, flushIntervalMs: 60_000, onError: (err) => errors.push(err) });
    const first = records(5);
    sink.append(first);
    await sink.flush();
    expect(errors).toHaveLength(1);
    expect(sink.pending()).toBe(5);
    const second = records(3, 100);
    sink.append(second);
    await sink.flush();
    expect(errors).toHaveLength(2);
    expect(sink.pending()).toBe(8);
    rmSync(dir);
    await sink.close();
    expect(sink.pending()).toBe(0);
    const [file] = await listLedgerFiles(dir);
    expect(readFileSync(file!.path, "utf8")).toBe([...first, ...second].map((r) => `${JSON.stringify(r)}\n`).join(""));
  });

  it("rotates by day and continues today's last file after a restart", async () => {
    const dir = tempDir();
    let now = T0;
    const first = new FileLedgerSink({ dir, now: () => now });
    first.append(records(3));
    await first.flush();
    now += 86_400_000;
    first.append(records(2, 3, now));
    await first.close();
    const again = new FileLedgerSink({ dir, now: () => now });
    again.append(records(1, 5, now));
    await again.close();
    const files = await listLedgerFiles(dir);
    expect(files.map((f) => [f.day, f.seq])).toEqual([
      ["2026-11-22", 0],
      ["2026-11-23", 0],
    ]);
    expect(readFileSync(files[1]!.path, "utf8").trimEnd().split("\n")).toHaveLength(3);
  });

  it("reads a time range back, skipping a torn last line", async () => {
    const dir = tempDir();
    const sink = new FileLedgerSink({ dir, now: () => T0 });
    sink.append(records(20));
    await sink.close();
    appendFileSync((await listLedgerFiles(dir))[0]!.path, '{"id":"torn","ti');
    const got = await collect(readFileLedger(dir, { from: T0 + 5_000, to: T0 + 15_000 }));
    expect(got.map((r) => r.id)).toEqual(records(10, 5).map((r) => r.id));
  });
});

describe("usage aggregation", () => {
  const recs = records(30);
  const sum = <T,>(rs: T[], f: (r: T) => number) => rs.reduce((n, r) => n + f(r), 0);

  it("groups by tenant with exact token and cost totals", async () => {
    const rows = await aggregateUsage(recs, { from: T0, to: T0 + 60_000, groupBy: ["tenant"] });
    const acme = recs.filter((r) => r.tenant === "acme");
    const row = rows.find((r) => r.group.tenant === "acme")!;
    expect(row.requests).toBe(acme.length);
    expect(row.inputTokens).toBe(sum(acme, (r) => r.inputTokens));
    expect(row.outputTokens).toBe(sum(acme, (r) => r.outputTokens));
    expect(row.cachedInputTokens).toBe(sum(acme, (r) => r.cachedInputTokens));
    expect(row.costUsd).toBeCloseTo(sum(acme, (r) => r.costUsd), 12);
    expect(row.errors).toBe(acme.filter((r) => r.outcome !== "ok").length);
    expect(sum(rows, (r) => r.requests)).toBe(30);
  });

  it("groups by key and model, filters by tenant and time range, counts duplicates once", async () => {
    const dup = [...recs, recs[0]!, recs[3]!];
    const rows = await aggregateUsage(dup, { from: T0, to: T0 + 12_000, groupBy: ["key", "model"], tenant: "acme" });
    // acme records in [0, 12): i = 0, 3, 6, 9 -> models alternate by parity
    expect(rows.map((r) => [r.group.key, r.group.model, r.requests]).sort()).toEqual([
      ["acme-ci", "claude-haiku-4-5", 2],
      ["acme-ci", "gpt-4o-mini", 2],
    ]);
  });

  it("groups by one tag's value, or by every name=value tag", async () => {
    const byTeam = await aggregateUsage(recs, { from: T0, to: T0 + 60_000, groupBy: ["tag"], tagKey: "team" });
    expect(byTeam.map((r) => [r.group.tag, r.requests]).sort()).toEqual([
      ["ads", 15],
      ["search", 15],
    ]);
    const byEnv = await aggregateUsage(recs, { from: T0, to: T0 + 60_000, groupBy: ["tag"], tagKey: "env" });
    expect(byEnv.map((r) => [r.group.tag, r.requests]).sort()).toEqual([
      ["", 15],
      ["prod", 15],
    ]);
    const all = await aggregateUsage(recs, { from: T0, to: T0 + 60_000, groupBy: ["tenant", "tag"], tenant: "acme" });
    expect(all.map((r) => [r.group.tenant, r.group.tag, r.requests]).sort()).toEqual([
      ["acme", "env=prod", 5],
      ["acme", "team=ads", 5],
      ["acme", "team=search", 5],
    ]);
  });
});

describe("Redis stream ledger", () => {
  let server: TestRedis;
  let redis: Redis;
  useRedis((started) => ({ server, redis } = started));

  it("XADDs every record with MAXLEN ~ and reads them back for aggregation", async () => {
    const sink = new RedisStreamLedgerSink({ redis, streamKey: "usage:a", batchSize: 7 });
    const recs = records(50);
    sink.append(recs);
    await sink.close();
    expect(await redis.xlen("usage:a")).toBe(50);
    const back = await collect(readRedisLedger(redis, { from: T0, to: T0 + 3_600_000 }, { streamKey: "usage:a", pageSize: 8, clockSlackMs: Date.now() }));
    expect(back).toEqual(recs);
    const q = { from: T0, to: T0 + 3_600_000, groupBy: ["tenant", "provider"] as const };
    expect(await aggregateUsage(back, { ...q, groupBy: [...q.groupBy] })).toEqual(await aggregateUsage(recs, { ...q, groupBy: [...q.groupBy] }));
  });

  it("buffers through a Redis outage and writes everything when it returns", async () => {
    const errors: unknown[] = [];
    const sink = new RedisStreamLedgerSink({ redis, streamKey: "usage:b", flushIntervalMs: 50, onError: (e) => errors.push(e) });
    const ledger = new Ledger([sink]);
    await server.kill();
    const deadline = Date.now() + 10_000;
    while (redis.status === "ready" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const recs = records(120);
    for (const r of recs.slice(0, 60)) ledger.record(r);
    await ledger.flush(); // must not throw while Redis is down
    expect(ledger.pending()).toBe(60);
    for (const r of recs.slice(60)) ledger.record(r);
    await server.restart();
    while (ledger.pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(ledger.pending()).toBe(0);
    const back = await collect(readRedisLedger(redis, { from: T0, to: T0 + 3_600_000 }, { streamKey: "usage:b", clockSlackMs: Date.now() }));
    expect(back.map((r) => r.id)).toEqual(recs.map((r) => r.id));
    await ledger.close();
  });
});

describe("createLedger", () => {
  it("writes to the file sink by default, with the documented defaults", async () => {
    const { createLedger } = await import("../../../src/telemetry/ledger-setup.js");
    const dir = tempDir();
    const ledger = createLedger({ dir, maxFileBytes: undefined });
    for (const r of records(5)) ledger.record(r);
    await ledger.close();
    const got = await collect(readFileLedger(dir, { from: T0, to: T0 + 60_000 }));
    expect(got).toEqual(records(5));
  });
});

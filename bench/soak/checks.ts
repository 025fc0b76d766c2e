import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { SoakRecord } from "./load.js";

export interface Check {
  name: string;
  pass: boolean;
  /** The figures behind the verdict, one line. */
  detail: string;
}

/** Every ledger line in `<dataDir>/usage/*.jsonl`, as written (duplicates kept). */
function ledgerLines(dataDir: string): Array<{ id: string; outcome: string; errorCode?: string; tenant: string }> {
  const dir = join(dataDir, "usage");
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".jsonl"));
  } catch {
    return [];
  }
  const out = [];
  for (const name of names) {
    for (const line of readFileSync(join(dir, name), "utf8").split("\n")) {
      if (line.trim()) out.push(JSON.parse(line));
    }
  }
  return out;
}

/**
 * One ledger line per admitted request, no more, no fewer: every request the gateway answered
 * (on a billed operation, with a valid key) has exactly one line with its request id; a request
 * the client dropped before any answer has at most one; nothing else has any.
 */
export function ledgerCheck(dataDir: string, records: SoakRecord[], prefix: string): Check[] {
  const lines = ledgerLines(dataDir);
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l.id, (counts.get(l.id) ?? 0) + 1);
  const byId = new Map(records.map((r) => [r.call.id, r]));
  let missing = 0;
  let maybePresent = 0;
  let forbidden = 0;
  const missingExamples: string[] = [];
  for (const r of records) {
    const n = counts.get(r.call.id) ?? 0;
    if (r.expect === "yes" && n === 0) {
      missing++;
      if (missingExamples.length < 5) missingExamples.push(`${r.call.id} ${r.call.surface}/${r.call.op}/${r.call.behaviour}/${r.kind} -> ${r.outcome}`);
    }
    if (r.expect === "maybe" && n > 0) maybePresent++;
    if (r.expect === "no" && n > 0) forbidden++;
  }
  const duplicates = [...counts.values()].filter((n) => n > 1).length;
  // Every request of the soak carries its own id: any other line is one no request asked for.
  const ours = lines.filter((l) => l.id.startsWith(prefix));
  const unknown = lines.filter((l) => !byId.has(l.id)).length;
  const yes = records.filter((r) => r.expect === "yes").length;
  const maybe = records.filter((r) => r.expect === "maybe").length;
  const outcomes = new Map<string, number>();
  for (const l of ours) outcomes.set(l.outcome, (outcomes.get(l.outcome) ?? 0) + 1);
  return [
    {
      name: "ledger: one line per admitted request",
      pass: missing === 0 && duplicates === 0 && unknown === 0 && forbidden === 0,
      detail:
        `${lines.length} lines; answered ${yes}: missing ${missing}; dropped before an answer ${maybe} (${maybePresent} with a line); ` +
        `duplicated ids ${duplicates}; lines for no request sent ${unknown}; lines for unbilled/unauthenticated requests ${forbidden}; ` +
        `outcomes ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(", ")}` +
        (missingExamples.length ? `; e.g. ${missingExamples.join("; ")}` : ""),
    },
  ];
}

/** Reservations still held in Redis (every `sl:{partition}:rz` zset), and the partitions holding them. */
export async function outstandingReservations(redisUrl: string): Promise<{ total: number; byKey: Record<string, number> }> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const byKey: Record<string, number> = {};
    let total = 0;
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", "sl:*rz", "COUNT", 500);
      cursor = next;
      for (const key of keys) {
        const n = await redis.zcard(key);
        if (n > 0) byKey[key] = n;
        total += n;
      }
    } while (cursor !== "0");
    return { total, byKey };
  } finally {
    redis.disconnect();
  }
}

/** Lines of the gateway's output that show an unhandled rejection, an uncaught exception or a crash. */
export function crashLines(paths: string[]): { crashes: string[]; warnings: Map<string, number>; errors: number } {
  const crash = /unhandled ?rejection|uncaught ?exception|UnhandledPromiseRejection|FATAL ERROR|JavaScript heap out of memory|Segmentation fault|"level":60/i;
  const crashes: string[] = [];
  const warnings = new Map<string, number>();
  let errors = 0;
  for (const p of paths) {
    let text = "";
    try {
      text = readFileSync(p, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      if (crash.test(line)) crashes.push(line.slice(0, 300));
      const w = /(\w+Warning)/.exec(line);
      if (w && !line.startsWith("{")) warnings.set(w[1]!, (warnings.get(w[1]!) ?? 0) + 1);
      if (line.includes('"level":50')) errors++;
    }
  }
  return { crashes, warnings, errors };
}

/** The messages of level-50 (error) log lines, counted, most frequent first. */
export function errorMessages(path: string, limit: number): Array<[string, number]> {
  const counts = new Map<string, number>();
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  for (const line of text.split("\n")) {
    if (!line.includes('"level":50')) continue;
    let msg = "?";
    try {
      msg = String(JSON.parse(line).msg ?? "?").slice(0, 120);
    } catch {
      // not JSON
    }
    counts.set(msg, (counts.get(msg) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, limit);
}

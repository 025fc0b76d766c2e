/**
 * Usage queries: read ledger records for a time range (from the files or the Redis stream) and
 * aggregate them by tenant / key / model / provider / tag. AdminService.GetUsage and
 * `sluice usage` call these. Restrict by tenant here, not after: a caller scoped to one tenant
 * must never see another tenant's rows.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Redis } from "ioredis";
import { listLedgerFiles } from "./ledger-file.js";
import { DEFAULT_USAGE_STREAM } from "./ledger-redis.js";
import type { UsageRecord } from "./ledger.js";

export type UsageGroupBy = "tenant" | "key" | "model" | "modelRequested" | "provider" | "tag" | "prompt";

export interface UsageQuery {
  /** Inclusive start, exclusive end (ms since epoch or Date). */
  from: number | Date;
  to: number | Date;
  groupBy: UsageGroupBy[];
  /** Only this tenant's records. */
  tenant?: string;
  keyId?: string;
  /**
   * With groupBy "tag": group by the value of this tag (e.g. `team`; records without it go to
   * ""). Without it, a record counts once in each of its `name=value` tag rows.
   */
  tagKey?: string;
}

export interface UsageRow {
  group: Partial<Record<UsageGroupBy, string>>;
  requests: number;
  /** Requests whose outcome was not ok. */
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costUsd: number;
}

const ms = (t: number | Date) => (typeof t === "number" ? t : t.getTime());

function inRange(r: UsageRecord, q: UsageQuery): boolean {
  const t = Date.parse(r.time);
  return t >= ms(q.from) && t < ms(q.to) && (q.tenant === undefined || r.tenant === q.tenant) && (q.keyId === undefined || r.keyId === q.keyId);
}

/**
 * Sums records into rows. Grouping by tag without `tagKey` puts a record in one row per tag
 * (`name=value`; a record without tags goes to ""), so those rows may add up to more than the
 * total. Duplicate record ids count once. Cost is summed in nano-USD so totals do not drift.
 */
export async function aggregateUsage(records: AsyncIterable<UsageRecord> | Iterable<UsageRecord>, q: UsageQuery): Promise<UsageRow[]> {
  const rows = new Map<string, UsageRow & { nano: number }>();
  const seen = new Set<string>();
  for await (const r of records) {
    if (!inRange(r, q)) continue;
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    const base: Partial<Record<UsageGroupBy, string>> = {};
    for (const g of q.groupBy) {
      if (g === "tenant") base.tenant = r.tenant;
      else if (g === "key") base.key = r.keyId;
      else if (g === "model") base.model = r.model ?? r.modelRequested;
      else if (g === "modelRequested") base.modelRequested = r.modelRequested;
      else if (g === "provider") base.provider = r.provider ?? "";
      else if (g === "prompt") base.prompt = r.prompt ? `${r.prompt.id}@${r.prompt.version}` : "";
    }
    let groups = [base];
    if (q.groupBy.includes("tag")) {
      const tags = r.tags ?? {};
      const values = q.tagKey !== undefined ? [tags[q.tagKey] ?? ""] : Object.entries(tags).map(([k, v]) => `${k}=${v}`);
      groups = (values.length > 0 ? values : [""]).map((tag) => ({ ...base, tag }));
    }
    for (const group of groups) {
      const k = JSON.stringify(q.groupBy.map((g) => group[g] ?? ""));
      let row = rows.get(k);
      if (!row) {
        row = { group, requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, costUsd: 0, nano: 0 };
        rows.set(k, row);
      }
      row.requests++;
      if (r.outcome !== "ok") row.errors++;
      row.inputTokens += r.inputTokens;
      row.outputTokens += r.outputTokens;
      row.cachedInputTokens += r.cachedInputTokens;
      row.nano += Math.round(r.costUsd * 1e9);
    }
  }
  return [...rows.values()]
    .map(({ nano, ...row }) => ({ ...row, costUsd: nano / 1e9 }))
    .sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests);
}

/**
 * Records from the ledger files that may hold [from, to): files are named by the day they were
 * written, which is the record's day or later, so files from the start day on are read.
 * Malformed lines (a torn last line after a crash) are skipped.
 */
export async function* readFileLedger(dir: string, range: { from: number | Date; to: number | Date }, prefix = "usage"): AsyncGenerator<UsageRecord> {
  const fromDay = new Date(ms(range.from)).toISOString().slice(0, 10);
  for (const file of await listLedgerFiles(dir, prefix)) {
    if (file.day < fromDay) continue;
    const lines = createInterface({ input: createReadStream(file.path, { encoding: "utf8" }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      let r: UsageRecord;
      try {
        r = JSON.parse(line) as UsageRecord;
      } catch {
        continue;
      }
      const t = Date.parse(r.time);
      if (t >= ms(range.from) && t < ms(range.to)) yield r;
    }
  }
}

/**
 * Records from the Redis stream. Entry ids carry the time Redis received the record, which is
 * its own time or later (a record buffered through an outage arrives late), so the scan starts
 * at `from` minus a clock-skew slack and runs to the end of the stream, filtering by record time.
 */
export async function* readRedisLedger(
  redis: Redis,
  range: { from: number | Date; to: number | Date },
  options: { streamKey?: string; pageSize?: number; clockSlackMs?: number } = {},
): AsyncGenerator<UsageRecord> {
  const key = options.streamKey ?? DEFAULT_USAGE_STREAM;
  const pageSize = options.pageSize ?? 1_000;
  let start = String(Math.max(0, ms(range.from) - (options.clockSlackMs ?? 60_000)));
  for (;;) {
    const entries = (await redis.xrange(key, start, "+", "COUNT", pageSize)) as Array<[string, string[]]>;
    for (const [, fields] of entries) {
      const i = fields.indexOf("r");
      if (i < 0 || fields[i + 1] === undefined) continue;
      let r: UsageRecord;
      try {
        r = JSON.parse(fields[i + 1]!) as UsageRecord;
      } catch {
        continue;
      }
      const t = Date.parse(r.time);
      if (t >= ms(range.from) && t < ms(range.to)) yield r;
    }
    if (entries.length < pageSize) return;
    start = "(" + entries[entries.length - 1]![0];
  }
}

/**
 * The usage ledger: one record per request, written to every configured sink (a local JSON-lines
 * file by default, plus a Redis stream when Redis is configured). `record` is synchronous and
 * never throws: sinks buffer and write in the background, keep what they could not write, and
 * write it on the next flush (a Redis outage loses nothing; `close` flushes).
 *
 * Never put prompt or completion text in a record.
 */
/** Mirrors sluice.v1.CacheStatus (MISS, HIT_EXACT, HIT_SEMANTIC, BYPASS, UNSPECIFIED). */
type CacheStatus = "miss" | "exact" | "semantic" | "bypass" | "unspecified";
export type UsageOutcome = "ok" | "error" | "cancelled" | "refused";

export interface UsageRecord {
  /** Request id; unique, used to drop duplicates a replayed write may create. */
  id: string;
  /** When the request finished, ISO 8601 UTC. */
  time: string;
  tenant: string;
  keyId: string;
  /** The model (or alias) the client asked for. */
  modelRequested: string;
  /** Provider deployment and model that answered (absent when nothing answered). */
  provider?: string;
  model?: string;
  /** Tokens as canonical usage: inputTokens includes cachedInputTokens (see limits/pricing.ts). */
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  costUsd: number;
  cache: CacheStatus;
  latencyMs: number;
  /** The key's tags (from the config or the admin API): the caller cannot change them. */
  tags: Record<string, string>;
  /**
   * The caller's own labels (REST `metadata`, ChatRequest.tags), apart from the key's tags and
   * bounded (boundedMetadata); with the pii slot configured, after it. Absent when none.
   */
  metadata?: Record<string, string>;
  outcome: UsageOutcome;
  /** Error code from the catalog when outcome is not ok (`tool_error`: an MCP tool answered with isError). */
  errorCode?: string;
  /** MCP calls (`/mcp`): the server id and the tool's (or prompt's) name on it; never the arguments. */
  mcp?: { server: string; tool?: string; prompt?: string };
  /** The guard slot's decision when it found something (CallRecord.guard: "flagged:<label>",
   *  "logged:<label>", "blocked:<label>", "skipped"). Absent when nothing was found. */
  guard?: string;
  /** The prompt template that served the request (README, "Prompt templates"); absent without one. */
  prompt?: { id: string; version: number };
}

/** At most this many caller metadata entries are recorded, in the order sent; the rest are dropped. */
const MAX_METADATA_ENTRIES = 16;
const MAX_METADATA_KEY_CHARS = 64;
const MAX_METADATA_VALUE_CHARS = 256;

/** Caller metadata as a record may keep it: a bounded number of entries, keys and values cut. */
export function boundedMetadata(metadata: Readonly<Record<string, string>>): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  let n = 0;
  for (const [k, v] of Object.entries(metadata)) {
    if (n++ >= MAX_METADATA_ENTRIES) break;
    out ??= {};
    out[cut(k, MAX_METADATA_KEY_CHARS)] = cut(String(v), MAX_METADATA_VALUE_CHARS);
  }
  return out;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

export interface LedgerSink {
  /** Takes records into the sink's buffer; synchronous, never throws. */
  append(records: UsageRecord[]): void;
  /** Writes what is buffered; resolves when done or when the destination is unavailable. */
  flush(): Promise<void>;
  /** Records still waiting to be written. */
  pending(): number;
  close(): Promise<void>;
}

export class Ledger {
  private readonly sinks: LedgerSink[];

  constructor(sinks: LedgerSink[]) {
    this.sinks = sinks;
  }

  record(record: UsageRecord): void {
    for (const sink of this.sinks) sink.append([record]);
  }

  async flush(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.flush()));
  }

  pending(): number {
    return this.sinks.reduce((n, s) => n + s.pending(), 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.close()));
  }
}

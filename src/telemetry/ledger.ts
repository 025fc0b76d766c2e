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
  /** The request's tags (ChatRequest.tags) merged over the key's default tags. */
  tags: Record<string, string>;
  outcome: UsageOutcome;
  /** Error code from the catalog when outcome is not ok. */
  errorCode?: string;
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

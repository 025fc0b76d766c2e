/** What a lookup ended as. */
export type LookupStatus = "hit_exact" | "hit_semantic" | "miss" | "bypass";

export interface LookupEvent {
  status: LookupStatus;
  /** Why the cache was bypassed ("mode", "disabled", "temperature", "unavailable"). */
  reason?: string;
  similarity?: number;
  latencyMs: number;
}

/** Histogram bucket upper bounds (inclusive), Prometheus-style; the last bucket is +Inf. */
const LATENCY_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000];
const SIMILARITY_BUCKETS = [0.8, 0.85, 0.9, 0.92, 0.94, 0.96, 0.98, 0.99, 1];

/**
 * Counters the telemetry layer reads (no prom-client dependency here): lookups by outcome,
 * similarity of semantic hits, lookup latency, stores, errors, and the index size. Subscribe
 * with `onLookup` to feed histograms; read `snapshot()` from a collect callback.
 */
export class CacheStats {
  readonly lookups: Record<LookupStatus, number> = { hit_exact: 0, hit_semantic: 0, miss: 0, bypass: 0 };
  stores = 0;
  storeSkipped = 0;
  errors = 0;
  evictions = 0;
  readonly latencyBuckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  latencySumMs = 0;
  readonly similarityBuckets = new Array<number>(SIMILARITY_BUCKETS.length + 1).fill(0);
  similaritySum = 0;
  private readonly listeners: ((e: LookupEvent) => void)[] = [];

  constructor(private readonly indexSize: () => number, private readonly entryCount: () => number | undefined) {}

  onLookup(listener: (e: LookupEvent) => void): void {
    this.listeners.push(listener);
  }

  record(e: LookupEvent): void {
    this.lookups[e.status]++;
    this.latencyBuckets[bucketOf(LATENCY_BUCKETS_MS, e.latencyMs)]!++;
    this.latencySumMs += e.latencyMs;
    if (e.status === "hit_semantic" && e.similarity !== undefined) {
      this.similarityBuckets[bucketOf(SIMILARITY_BUCKETS, e.similarity)]!++;
      this.similaritySum += e.similarity;
    }
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A broken metrics hook must not break a request.
      }
    }
  }

  snapshot() {
    return {
      lookups: { ...this.lookups },
      stores: this.stores,
      storeSkipped: this.storeSkipped,
      errors: this.errors,
      evictions: this.evictions,
      indexSize: this.indexSize(),
      entries: this.entryCount(),
      latency: { bucketsMs: LATENCY_BUCKETS_MS, counts: [...this.latencyBuckets], sumMs: this.latencySumMs },
      similarity: { buckets: SIMILARITY_BUCKETS, counts: [...this.similarityBuckets], sum: this.similaritySum },
    };
  }
}

function bucketOf(bounds: number[], value: number): number {
  const i = bounds.findIndex((b) => value <= b);
  return i === -1 ? bounds.length : i;
}

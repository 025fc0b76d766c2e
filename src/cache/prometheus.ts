import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { ResponseCache } from "./response-cache.js";

/**
 * Registers the cache's metrics (prefix `sluice_cache_`) on a prom-client registry. Optional:
 * the telemetry layer may instead read `cache.stats` itself. Call once per cache.
 */
export function registerCacheMetrics(cache: ResponseCache, registry: Registry): void {
  const lookups = new Counter({
    name: "sluice_cache_lookups_total",
    help: "Cache lookups by outcome (hit_exact, hit_semantic, miss, bypass)",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "sluice_cache_lookup_seconds",
    help: "Time spent in a cache lookup (key, embedding, index search, entry fetch)",
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const similarity = new Histogram({
    name: "sluice_cache_hit_similarity",
    help: "Cosine similarity of semantic cache hits",
    buckets: [0.8, 0.85, 0.9, 0.92, 0.94, 0.96, 0.98, 0.99, 1],
    registers: [registry],
  });
  cache.stats.onLookup((e) => {
    lookups.inc({ status: e.status });
    latency.observe(e.latencyMs / 1000);
    if (e.status === "hit_semantic" && e.similarity !== undefined) similarity.observe(e.similarity);
  });
  new Gauge({
    name: "sluice_cache_index_entries",
    help: "Entries in this replica's semantic index",
    registers: [registry],
    collect() {
      this.set(cache.stats.snapshot().indexSize);
    },
  });
  new Gauge({
    name: "sluice_cache_events",
    help: "Cache stores, skipped stores, errors and evictions since start",
    labelNames: ["event"] as const,
    registers: [registry],
    collect() {
      const s = cache.stats.snapshot();
      this.set({ event: "store" }, s.stores);
      this.set({ event: "store_skipped" }, s.storeSkipped);
      this.set({ event: "error" }, s.errors);
      this.set({ event: "eviction" }, s.evictions);
    },
  });
}

/** The cache's public surface for the pipeline and telemetry. */
export { ResponseCache, type CacheMode, type LookupResult, type ResponseCacheDeps } from "./response-cache.js";
export { CacheStats, type LookupEvent, type LookupStatus } from "./cache-stats.js";
export { DEFAULT_CACHE_OPTIONS, resolveCacheOptions, type CacheOptions } from "./config.js";
export { replayChunks, replayResponse, replayStream } from "./replay.js";
export type { Embedder } from "./embedder.js";
export { LexicalEmbedder } from "./lexical-embedder.js";
export { ProviderEmbedder } from "./provider-embedder.js";
export { MemoryEntryStore } from "./memory-entry-store.js";
export { RedisEntryStore } from "./redis-entry-store.js";
export type { EntryStore } from "./entry-store.js";
export { scopeOf, type CacheScope } from "./scope.js";
export { registerCacheMetrics } from "./prometheus.js";

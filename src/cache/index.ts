/** The cache's public surface for the pipeline, telemetry and the composition root. */
export { ResponseCache, type CacheMode, type LookupResult } from "./response-cache.js";
export { replayChunks } from "./replay.js";
export { registerCacheMetrics } from "./prometheus.js";

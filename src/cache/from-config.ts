import type { Config } from "../gen/sluice/v1/config_pb.js";
import type { CacheOptions, DeepPartial } from "./config.js";

/**
 * The config's `cache` section as cache options; what it leaves out takes the defaults of
 * DEFAULT_CACHE_OPTIONS. The index and (without Redis) the entries persist under data_dir;
 * with `redis.url` the entries live in Redis, shared by the replicas.
 */
export function cacheOptions(config: Config): DeepPartial<CacheOptions> {
  const c = config.cache!;
  const s = c.semantic;
  const exact = c.exact;
  const semantic: DeepPartial<CacheOptions["semantic"]> = {};
  if (s?.enabled !== undefined) semantic.enabled = s.enabled;
  if (s?.threshold !== undefined) semantic.threshold = s.threshold;
  if (s?.maxChars) semantic.maxChars = s.maxChars;
  if (s?.maxMessages) semantic.maxMessages = s.maxMessages;
  if (s?.embedder === "builtin" || s?.embedder === "provider") semantic.embedder = s.embedder;
  if (s?.index === "hnsw" || s?.index === "brute") semantic.index = s.index;
  if (s?.threadMode === "inline" || s?.threadMode === "worker" || s?.threadMode === "auto") semantic.threadMode = s.threadMode;
  if (s?.workerThreshold) semantic.workerThreshold = s.workerThreshold;
  if (s?.workerShards) semantic.workerShards = s.workerShards;
  const hnsw: Record<string, number> = {};
  if (s?.hnswM) hnsw.m = s.hnswM;
  if (s?.hnswEfConstruction) hnsw.efConstruction = s.hnswEfConstruction;
  if (s?.hnswEfSearch) hnsw.efSearch = s.hnswEfSearch;
  if (Object.keys(hnsw).length) semantic.hnsw = hnsw;
  if (s?.provider) {
    semantic.provider = {
      baseUrl: s.provider.baseUrl,
      apiKey: s.provider.apiKey,
      model: s.provider.model,
      dims: s.provider.dims,
      ...(s.provider.timeoutMs ? { timeoutMs: s.provider.timeoutMs } : {}),
    } as never;
  }
  return {
    ...(c.enabled !== undefined ? { enabled: c.enabled } : {}),
    exact: {
      ...(exact?.enabled !== undefined ? { enabled: exact.enabled } : {}),
      ...(exact?.ttlS ? { ttlS: exact.ttlS } : {}),
      ...(exact?.maxBytes ? { maxBytes: Number(exact.maxBytes) } : {}),
    },
    semantic,
    ...(c.maxTemperature !== undefined ? { maxTemperature: c.maxTemperature } : {}),
    ...(c.lookupTimeoutMs ? { lookupTimeoutMs: c.lookupTimeoutMs } : {}),
    dataDir: config.dataDir,
    ...(config.redis?.url ? { redis: { url: config.redis.url } } : {}),
  };
}

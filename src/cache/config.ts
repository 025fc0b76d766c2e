/**
 * Options of the response cache. A plain type with defaults so the config loader can map its
 * `cache:` section onto it; every field is documented (with its default) in src/cache/README.md.
 */
export interface CacheOptions {
  /** Master switch. Off: every lookup answers `bypass`. */
  enabled: boolean;
  exact: {
    enabled: boolean;
    /** Time to live of a stored answer, seconds. */
    ttlS: number;
    /** Memory store only: total bytes of stored answers (LRU eviction past it). */
    maxBytes: number;
  };
  semantic: {
    enabled: boolean;
    /** Minimum cosine similarity for a semantic hit. */
    threshold: number;
    /** Conversations longer than this (characters of embedded text) are not cached semantically. */
    maxChars: number;
    /** Conversations with more messages than this are not cached semantically. */
    maxMessages: number;
    /**
     * Conversations with fewer words than this (their non-system messages together; a CJK
     * character counts as a word) are not cached semantically: in a very short prompt one word
     * is the whole difference ("hi" / "hi there"), which no similarity threshold can judge.
     * The exact cache still answers them.
     */
    minWords: number;
    /** Which embedder: "builtin" (lexical, local) or "provider" (OpenAI-compatible endpoint). */
    embedder: "builtin" | "provider";
    /** Dimensions of the built-in embedder. */
    builtinDims: number;
    provider?: ProviderEmbedderOptions;
    /** Index implementation: "hnsw" (default) or "brute" (exact, for small deployments/tests). */
    index: "hnsw" | "brute";
    hnsw: HnswOptions;
    /** "inline" (main thread), "worker" (a worker thread) or "auto" (worker once the index is large). */
    threadMode: "inline" | "worker" | "auto";
    /** Entry count at which "auto" moves the index to a worker thread. */
    workerThreshold: number;
    /**
     * Worker threads the index is split over when it opens in a worker ("worker", or "auto" with
     * `workerThreshold` entries or more at start): inserts in parallel, searches fanned out.
     */
    workerShards: number;
  };
  /** Requests with temperature above this skip the cache entirely (answers are meant to vary). */
  maxTemperature: number;
  /** Upper bound on a lookup (embedding + index + store); past it the request goes on without the cache. */
  lookupTimeoutMs: number;
  /** Where the index and (without Redis) the entries survive a restart; undefined: in memory only. */
  dataDir?: string;
  redis?: RedisCacheOptions;
}

export interface HnswOptions {
  /** Graph degree. Higher: better recall, more memory, slower inserts. */
  m: number;
  efConstruction: number;
  /** Search breadth; raised to k when smaller. */
  efSearch: number;
  /** Initial capacity of a namespace's index; grows by `growthFactor` when full. */
  initialCapacity: number;
  growthFactor: number;
  /** Seed of the level generator, so builds are reproducible (single-threaded inserts). */
  seed: number;
  /**
   * Threads a batch insert (`addMany`: the rebuild at start, a move between threads) uses on one
   * graph; 0: every core. Needs the native build's addPointsParallel (scripts/native-hnswlib.mjs);
   * npm's build inserts one point at a time. A graph built on several threads is as good but
   * not bit-for-bit reproducible.
   */
  insertThreads: number;
}

export interface ProviderEmbedderOptions {
  /** Base URL including the version path, e.g. https://api.openai.com/v1 (POSTs to `${baseUrl}/embeddings`). */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Dimensions the model returns (also sent as `dimensions` when `sendDimensions`). */
  dims: number;
  sendDimensions?: boolean;
  timeoutMs?: number;
  /** Inputs per HTTP request. */
  batchSize?: number;
}

export interface RedisCacheOptions {
  url: string;
  /** Prefix of every key this cache writes. */
  keyPrefix: string;
  /** Per-command timeout; a slower Redis counts as down for that request. */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** Approximate maximum length of the insert stream (XADD MAXLEN ~). */
  streamMaxLen: number;
}

export const DEFAULT_CACHE_OPTIONS: CacheOptions = {
  enabled: true,
  exact: { enabled: true, ttlS: 3600, maxBytes: 256 * 1024 * 1024 },
  semantic: {
    enabled: true,
    threshold: 0.95,
    maxChars: 8000,
    maxMessages: 16,
    minWords: 3,
    embedder: "builtin",
    builtinDims: 384,
    index: "hnsw",
    // efSearch 192: the smallest ef whose recall@1 at 1M x 384 entries in one graph is >= 0.95;
    // smaller indexes are already exact at 64 and pay a little more per search. Figures in
    // src/cache/README.md ("Tuning") and bench/RESULTS.md ("Semantic cache (issue 6)").
    hnsw: { m: 16, efConstruction: 100, efSearch: 192, initialCapacity: 1024, growthFactor: 2, seed: 100, insertThreads: 0 },
    threadMode: "auto",
    workerThreshold: 50_000,
    workerShards: 1,
  },
  maxTemperature: 1.0,
  lookupTimeoutMs: 1000,
};

const DEFAULT_REDIS_CACHE_OPTIONS: Omit<RedisCacheOptions, "url"> = {
  keyPrefix: "sluice:cache:",
  commandTimeoutMs: 250,
  connectTimeoutMs: 1000,
  streamMaxLen: 100_000,
};

export type DeepPartial<T> = { [K in keyof T]?: NonNullable<T[K]> extends object ? DeepPartial<NonNullable<T[K]>> : T[K] };

/** Fills the defaults under a partial config (nested objects merged field by field). */
export function resolveCacheOptions(partial: DeepPartial<CacheOptions> = {}): CacheOptions {
  const d = DEFAULT_CACHE_OPTIONS;
  const s = partial.semantic ?? {};
  const out: CacheOptions = {
    enabled: partial.enabled ?? d.enabled,
    exact: { ...d.exact, ...(partial.exact ?? {}) },
    semantic: {
      ...d.semantic,
      ...s,
      hnsw: { ...d.semantic.hnsw, ...(s.hnsw ?? {}) },
    } as CacheOptions["semantic"],
    maxTemperature: partial.maxTemperature ?? d.maxTemperature,
    lookupTimeoutMs: partial.lookupTimeoutMs ?? d.lookupTimeoutMs,
  };
  if (partial.dataDir !== undefined) out.dataDir = partial.dataDir;
  if (partial.redis?.url) out.redis = { ...DEFAULT_REDIS_CACHE_OPTIONS, ...partial.redis } as RedisCacheOptions;
  if (s.provider) out.semantic.provider = s.provider as ProviderEmbedderOptions;
  validate(out);
  return out;
}

function validate(o: CacheOptions): void {
  const t = o.semantic.threshold;
  if (!(t > 0 && t <= 1)) throw new Error(`cache.semantic.threshold must be in (0, 1], got ${t}`);
  if (o.exact.ttlS <= 0) throw new Error(`cache.exact.ttl_s must be > 0, got ${o.exact.ttlS}`);
  if (o.semantic.embedder === "provider" && !o.semantic.provider) {
    throw new Error("cache.semantic.embedder is \"provider\" but cache.semantic.provider is not set");
  }
  if (o.semantic.hnsw.growthFactor <= 1) throw new Error("cache.semantic.hnsw.growth_factor must be > 1");
  const threads = o.semantic.hnsw.insertThreads;
  if (!(Number.isInteger(threads) && threads >= 0 && threads <= 64)) throw new Error(`cache.semantic.hnsw.insertThreads must be an integer in [0, 64], got ${threads}`);
  const shards = o.semantic.workerShards;
  if (!(Number.isInteger(shards) && shards >= 1 && shards <= 64)) throw new Error(`cache.semantic.worker_shards must be an integer in [1, 64], got ${shards}`);
}

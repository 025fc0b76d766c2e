import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { join } from "node:path";
import {
  CacheStatus,
  ChatResponseSchema,
  FinishReason,
  type ChatRequest,
  type ChatResponse,
  type Usage,
} from "../gen/sluice/v1/gateway_pb.js";
import { CacheStats, type LookupStatus } from "./cache-stats.js";
import { resolveCacheOptions, type CacheOptions, type DeepPartial } from "./config.js";
import { embedOne, type Embedder } from "./embedder.js";
import type { CacheEntry } from "./entry.js";
import type { EntryStore } from "./entry-store.js";
import { LexicalEmbedder } from "./lexical-embedder.js";
import { consoleLogger, type Logger } from "../core/logger.js";
import { MemoryEntryStore } from "./memory-entry-store.js";
import { ProviderEmbedder } from "./provider-embedder.js";
import { RedisEntryStore } from "./redis-entry-store.js";
import { replayResponse } from "./replay.js";
import { scopeOf, type CacheScope } from "./scope.js";
import { type SemanticIndex } from "./semantic-index.js";
import { openSemanticIndex } from "./open-semantic-index.js";
import { type IndexItem } from "./namespaced-index.js";
import { withTimeout } from "./timeout.js";

/** What the caller asked of the cache: use it, skip it, or re-ask and replace the entry. */
export type CacheMode = "use" | "bypass" | "refresh";

export interface LookupResult {
  status: LookupStatus;
  /** On a hit: the cached answer, ready to return (zero usage, cache status set in metadata). */
  response?: ChatResponse;
  /** On a hit: the usage the original answer cost (tokens the hit saved). */
  savedUsage?: Usage;
  /** On a semantic hit: cosine similarity of the matched conversation. */
  similarity?: number;
  /** On a bypass: why ("mode", "disabled", "temperature", "unavailable"). */
  reason?: string;
  /** Pass back to `store` to reuse the key and embedding computed here. */
  scope?: CacheScope;
  vector?: Float32Array;
}

export interface ResponseCacheDeps {
  embedder?: Embedder;
  /** Defaults to a MemoryEntryStore (persisted under dataDir); RedisEntryStore for many replicas. */
  store?: EntryStore;
  log?: Logger;
  now?: () => number;
  workerScript?: URL;
}

const SEARCH_K = 4;
const SEMANTIC_INDEX_DIR = "semantic-index";
const ENTRIES_FILE = "cache-entries.bin";

/**
 * The cache phase's one entry point. `lookup` before dispatch, `store` after a complete answer.
 * Neither ever throws: a failing store, embedder or Redis makes the cache step aside
 * (lookup -> bypass "unavailable"; store -> skipped) and is counted in `stats.errors`.
 */
export class ResponseCache {
  readonly stats: CacheStats;
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly options: CacheOptions,
    readonly embedder: Embedder,
    readonly entries: EntryStore,
    readonly index: SemanticIndex | undefined,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.stats = new CacheStats(() => index?.size ?? 0, () => (entries instanceof MemoryEntryStore ? entries.size : undefined));
    entries.onEvict((key) => {
      this.stats.evictions++;
      void index?.remove(key).catch(() => {});
    });
    entries.onInsert((entry) => void this.indexEntry(entry));
  }

  static async open(partial: DeepPartial<CacheOptions> | CacheOptions = {}, deps: ResponseCacheDeps = {}): Promise<ResponseCache> {
    const options = resolveCacheOptions(partial as DeepPartial<CacheOptions>);
    const log = deps.log ?? consoleLogger;
    const now = deps.now ?? Date.now;
    const embedder = deps.embedder ?? makeEmbedder(options);
    let store = deps.store;
    if (!store && options.redis) store = await RedisEntryStore.open(options.redis, log);
    if (!store) {
      const memory = new MemoryEntryStore(options.exact.maxBytes, now);
      if (options.dataDir) await memory.load(join(options.dataDir, ENTRIES_FILE), log);
      store = memory;
    }
    let index: SemanticIndex | undefined;
    if (options.enabled && options.semantic.enabled) {
      const s = options.semantic;
      // "auto" decides by how many entries there are to index; a big index never runs inline.
      // ("auto" also moves a growing index to a worker later: see AutoSemanticIndex.)
      const expected = s.threadMode === "auto" ? await store.count().catch(() => 0) : 0;
      const thread = s.threadMode === "auto" && expected >= s.workerThreshold ? "worker" : s.threadMode;
      index = await openSemanticIndex({
        dims: embedder.dims,
        kind: s.index,
        hnsw: s.hnsw,
        tag: `${embedder.name}/${embedder.dims}`,
        ...(options.dataDir ? { dir: join(options.dataDir, SEMANTIC_INDEX_DIR) } : {}),
        thread,
        workerThreshold: s.workerThreshold,
        shards: s.workerShards,
        log,
        ...(deps.workerScript ? { workerScript: deps.workerScript } : {}),
      });
    }
    const cache = new ResponseCache(options, embedder, store, index, log, now);
    await cache.syncIndexWithEntries();
    cache.sweepTimer = setInterval(() => void cache.sweep(), 60_000);
    cache.sweepTimer.unref();
    return cache;
  }

  async lookup(request: ChatRequest, tenant: string, mode: CacheMode = "use"): Promise<LookupResult> {
    const started = performance.now();
    let result: LookupResult;
    try {
      result = await this.lookupInner(request, tenant, mode);
    } catch (err) {
      // lookupInner guards its I/O; this catches the unexpected (a malformed request), never thrown to the pipeline.
      this.stats.errors++;
      this.log.warn({ err: String(err) }, "cache lookup failed; serving without the cache");
      result = { status: "bypass", reason: "unavailable" };
    }
    this.stats.record({
      status: result.status,
      latencyMs: performance.now() - started,
      ...(result.reason ? { reason: result.reason } : {}),
      ...(result.similarity !== undefined ? { similarity: result.similarity } : {}),
    });
    return result;
  }

  private async lookupInner(request: ChatRequest, tenant: string, mode: CacheMode): Promise<LookupResult> {
    if (!this.options.enabled || this.closed) return { status: "bypass", reason: "disabled" };
    if (mode === "bypass") return { status: "bypass", reason: "mode" };
    const scope = scopeOf(request, tenant, this.options);
    if (scope.cacheIneligible) return { status: "bypass", reason: scope.cacheIneligible };
    if (mode === "refresh") return { status: "miss", reason: "refresh", scope };
    try {
      return await withTimeout(this.find(scope), this.options.lookupTimeoutMs, "cache lookup");
    } catch (err) {
      this.stats.errors++;
      this.log.warn({ err: String(err) }, "cache lookup failed; serving without the cache");
      return { status: "bypass", reason: "unavailable", scope };
    }
  }

  private async find(scope: CacheScope): Promise<LookupResult> {
    if (this.options.exact.enabled) {
      const entry = await this.entries.get(scope.exactKey);
      // The key already includes the tenant; checking again costs nothing and guards the promise.
      if (entry && entry.tenant === scope.tenant && entry.expiresAt > this.now()) {
        return this.hit("hit_exact", entry, scope);
      }
    }
    if (!this.index || scope.semanticIneligible) return { status: "miss", scope };
    const vector = await embedOne(this.embedder, scope.embedText);
    const hits = await this.index.search(scope.namespace, vector, SEARCH_K, this.now());
    for (const h of hits) {
      if (h.similarity < this.options.semantic.threshold) break;
      const entry = await this.entries.get(h.id);
      if (!entry || entry.expiresAt <= this.now()) {
        void this.index.remove(h.id).catch(() => {}); // gone from the store (evicted, expired): forget it
        continue;
      }
      if (entry.tenant !== scope.tenant || entry.namespace !== scope.namespace) continue;
      return { ...this.hit("hit_semantic", entry, scope), similarity: h.similarity, vector };
    }
    return { status: "miss", scope, vector };
  }

  private hit(status: "hit_exact" | "hit_semantic", entry: CacheEntry, scope: CacheScope): LookupResult {
    const cached = fromBinary(ChatResponseSchema, entry.response);
    const response = replayResponse(cached, status === "hit_exact" ? CacheStatus.HIT_EXACT : CacheStatus.HIT_SEMANTIC);
    const result: LookupResult = { status, response, scope };
    if (cached.usage) result.savedUsage = cached.usage;
    return result;
  }

  /**
   * Stores a complete answer (finish reason STOP, LENGTH or TOOL_CALLS; never a refusal, a
   * content-filtered or an unfinished answer). With `mode: "refresh"`, semantic neighbours that
   * would have answered the request are removed, so the new answer replaces them.
   * `from` is the lookup's result, to reuse its key and embedding.
   */
  async store(request: ChatRequest, tenant: string, response: ChatResponse, mode: CacheMode = "use", from?: LookupResult): Promise<boolean> {
    if (!this.options.enabled || this.closed || mode === "bypass" || !isComplete(response)) {
      this.stats.storeSkipped++;
      return false;
    }
    try {
      const scope = from?.scope?.tenant === tenant ? from.scope : scopeOf(request, tenant, this.options);
      if (scope.cacheIneligible) {
        this.stats.storeSkipped++;
        return false;
      }
      const now = this.now();
      const entry: CacheEntry = {
        key: scope.exactKey,
        tenant,
        namespace: scope.namespace,
        createdAt: now,
        expiresAt: now + this.options.exact.ttlS * 1000,
        response: toBinary(ChatResponseSchema, stripForStorage(response)),
      };
      const semantic = this.index && !scope.semanticIneligible;
      if (semantic) {
        entry.vector = from?.vector ?? (await embedOne(this.embedder, scope.embedText));
        entry.embedder = this.indexTag();
        if (mode === "refresh") await this.dropNeighbours(scope, entry.vector);
      }
      await withTimeout(this.entries.put(entry), this.options.lookupTimeoutMs, "cache store");
      if (semantic) await this.index!.add(entry.key, entry.namespace, entry.vector!, entry.expiresAt);
      this.stats.stores++;
      return true;
    } catch (err) {
      this.stats.errors++;
      this.log.warn({ err: String(err) }, "cache store failed; answer not cached");
      return false;
    }
  }

  /** Persists the index (and, for the memory store, the entries) and stops background work. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    if (this.entries instanceof MemoryEntryStore && this.options.dataDir) {
      await this.entries.save(join(this.options.dataDir, ENTRIES_FILE));
    }
    await this.index?.close();
    await this.entries.close();
  }

  /** Drops expired entries from the index and the store. Runs every minute. */
  async sweep(): Promise<void> {
    try {
      const now = this.now();
      await this.index?.expire(now);
      await this.entries.sweep(now);
    } catch (err) {
      this.log.warn({ err: String(err) }, "cache sweep failed");
    }
  }

  private indexTag(): string {
    return `${this.embedder.name}/${this.embedder.dims}`;
  }

  private async indexEntry(entry: CacheEntry): Promise<void> {
    if (!this.index || !entry.vector || entry.embedder !== this.indexTag() || entry.expiresAt <= this.now()) return;
    try {
      await this.index.add(entry.key, entry.namespace, entry.vector, entry.expiresAt);
    } catch (err) {
      this.log.warn({ err: String(err) }, "could not index a cache entry from another replica");
    }
  }

  private async dropNeighbours(scope: CacheScope, vector: Float32Array): Promise<void> {
    const hits = await this.index!.search(scope.namespace, vector, SEARCH_K, this.now());
    for (const h of hits) {
      if (h.similarity < this.options.semantic.threshold || h.id === scope.exactKey) continue;
      await this.index!.remove(h.id);
      await this.entries.delete(h.id);
    }
  }

  /**
   * Makes the index agree with the entries: adds entries it lacks (all of them after a corrupt
   * or missing index file: that is the rebuild), drops ids whose entry is gone.
   */
  private async syncIndexWithEntries(): Promise<void> {
    if (!this.index) return;
    const index = this.index;
    const indexed = new Map((await index.ids()).map((e) => [e.id, e.namespace]));
    const seen = new Set<string>();
    // Batches: one message per batch to a worker, where the graph builds each batch on several
    // threads (addMany); one batch is indexed while the next is read from the store. Inline, a
    // batch blocks the event loop, so they are small there, with a turn of the loop between.
    const batchSize = index.mode === "worker" ? 2048 : 64;
    let batch: IndexItem[] = [];
    let added = 0;
    let indexing: Promise<void> = Promise.resolve();
    const flush = async (): Promise<void> => {
      await indexing;
      const items = batch;
      batch = [];
      added += items.length;
      indexing = items.length ? index.addMany(items) : Promise.resolve();
      indexing.catch(() => {}); // observed by the next flush or the final await
      if (index.mode === "inline") await new Promise((r) => setImmediate(r));
    };
    try {
      for await (const entry of this.entries.scan()) {
        if (!entry.vector || entry.embedder !== this.indexTag()) continue;
        seen.add(entry.key);
        if (indexed.get(entry.key) === entry.namespace) continue;
        batch.push({ id: entry.key, namespace: entry.namespace, vector: entry.vector, expiresAt: entry.expiresAt });
        if (batch.length >= batchSize) await flush();
      }
      await flush();
      await indexing;
    } catch (err) {
      this.log.warn({ err: String(err) }, "could not read cache entries to feed the semantic index; starting with what is indexed");
      return;
    }
    let removed = 0;
    for (const id of indexed.keys()) {
      if (!seen.has(id)) {
        await index.remove(id);
        removed++;
      }
    }
    if (added > 0 || removed > 0) this.log.info({ added, removed, size: index.size }, "semantic index synchronised with cache entries");
  }
}

function makeEmbedder(options: CacheOptions): Embedder {
  const s = options.semantic;
  if (s.embedder === "provider") return new ProviderEmbedder(s.provider!);
  return new LexicalEmbedder(s.builtinDims);
}

function isComplete(r: ChatResponse): boolean {
  return r.finishReason === FinishReason.STOP || r.finishReason === FinishReason.LENGTH || r.finishReason === FinishReason.TOOL_CALLS;
}

/** What the original request's metadata said about itself (request id, timings) is not the hit's. */
function stripForStorage(r: ChatResponse): ChatResponse {
  if (!r.metadata) return r;
  return { ...r, metadata: { ...r.metadata, requestId: "", gatewayMs: 0, upstreamMs: 0, cacheStatus: CacheStatus.UNSPECIFIED } };
}

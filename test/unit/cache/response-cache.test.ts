import { afterEach, describe, expect, it } from "vitest";
import { ResponseCache } from "../../../src/cache/response-cache.js";
import { CacheStatus, FinishReason } from "../../../src/gen/sluice/v1/gateway_pb.js";
import { answer, answerText, chat, recordingLogger } from "./support/messages.js";

const open: ResponseCache[] = [];
async function cache(partial: Parameters<typeof ResponseCache.open>[0] = {}, now?: () => number) {
  const c = await ResponseCache.open({ semantic: { threadMode: "inline" }, ...partial }, { log: recordingLogger(), ...(now ? { now } : {}) });
  open.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

describe("ResponseCache: exact and semantic lookup", () => {
  it("misses, then hits exactly with the stored answer, zero usage and HIT_EXACT metadata", async () => {
    const c = await cache();
    const req = chat({ user: "What is the capital of France?" });
    expect((await c.lookup(req, "acme")).status).toBe("miss");
    expect(await c.store(req, "acme", answer("Paris."))).toBe(true);
    const hit = await c.lookup(req, "acme");
    expect(hit.status).toBe("hit_exact");
    expect(answerText(hit.response)).toBe("Paris.");
    expect(hit.response!.usage?.inputTokens).toBe(0);
    expect(hit.response!.usage?.outputTokens).toBe(0);
    expect(hit.response!.metadata?.cacheStatus).toBe(CacheStatus.HIT_EXACT);
    expect(hit.response!.metadata?.attempts).toBe(0);
    expect(hit.response!.metadata?.requestId).toBe("");
    expect(hit.savedUsage?.outputTokens).toBe(34);
  });

  it("a paraphrase within a tenant hits semantically above the threshold", async () => {
    const c = await cache();
    await c.store(chat({ user: "What is the capital of France?" }), "acme", answer("Paris."));
    const hit = await c.lookup(chat({ user: "what is the capital of france" }), "acme");
    expect(hit.status).toBe("hit_semantic");
    expect(hit.similarity).toBeGreaterThanOrEqual(c.options.semantic.threshold);
    expect(answerText(hit.response)).toBe("Paris.");
    expect(hit.response!.metadata?.cacheStatus).toBe(CacheStatus.HIT_SEMANTIC);
  });

  it("an unrelated prompt, and a lexically close one with another answer, do not hit", async () => {
    const c = await cache();
    await c.store(chat({ user: "What is the capital of France?" }), "acme", answer("Paris."));
    expect((await c.lookup(chat({ user: "How do I reverse a list in Python?" }), "acme")).status).toBe("miss");
    expect((await c.lookup(chat({ user: "What is the capital of Spain?" }), "acme")).status).toBe("miss");
  });

  it("identical prompts from two tenants never cross, exact or semantic, whatever the similarity", async () => {
    const c = await cache({ semantic: { threshold: 0.01, threadMode: "inline" } });
    const req = chat({ user: "What is the capital of France?" });
    await c.store(req, "acme", answer("acme's answer"));
    expect((await c.lookup(req, "globex")).status).toBe("miss");
    expect((await c.lookup(chat({ user: "what is the capital of france" }), "globex")).status).toBe("miss");
    await c.store(req, "globex", answer("globex's answer"));
    expect(answerText((await c.lookup(req, "acme")).response)).toBe("acme's answer");
    expect(answerText((await c.lookup(req, "globex")).response)).toBe("globex's answer");
  });

  it("different system prompts never cross", async () => {
    const c = await cache({ semantic: { threshold: 0.01, threadMode: "inline" } });
    await c.store(chat({ system: "Answer in English.", user: "What is the capital of France?" }), "acme", answer("Paris."));
    const other = await c.lookup(chat({ system: "Answer in French.", user: "What is the capital of France?" }), "acme");
    expect(other.status).toBe("miss");
    const same = await c.lookup(chat({ system: "Answer in English.", user: "what is the capital of france" }), "acme");
    expect(same.status).toBe("hit_semantic");
  });

  it("conversations that differ earlier do not collide", async () => {
    const c = await cache();
    await c.store(chat({ user: ["Tell me about Rust the programming language.", "Rust is a systems language.", "How old is it?"] }), "acme", answer("About 10 years."));
    const other = await c.lookup(chat({ user: ["Tell me about the Eiffel Tower in Paris.", "It is a tower in Paris.", "How old is it?"] }), "acme");
    expect(other.status).toBe("miss");
  });

  it("bypass skips; refresh re-asks and the new answer replaces the old one", async () => {
    const c = await cache();
    const req = chat({ user: "What is the capital of France?" });
    await c.store(req, "acme", answer("old"));
    expect(await c.lookup(req, "acme", "bypass")).toMatchObject({ status: "bypass", reason: "mode" });
    expect((await c.lookup(req, "acme", "refresh")).status).toBe("miss");
    await c.store(req, "acme", answer("new"), "refresh");
    expect(answerText((await c.lookup(req, "acme")).response)).toBe("new");
    // A paraphrase refreshed replaces the semantic neighbour too.
    await c.store(chat({ user: "what is the capital of france" }), "acme", answer("newest"), "refresh");
    expect(answerText((await c.lookup(chat({ user: "What is the capital of France??" }), "acme")).response)).toBe("newest");
  });

  it("high temperature skips the cache entirely", async () => {
    const c = await cache({ maxTemperature: 0.5 });
    const req = chat({ user: "Write a poem.", params: { temperature: 0.9 } });
    expect(await c.store(req, "acme", answer("roses"))).toBe(false);
    expect(await c.lookup(req, "acme")).toMatchObject({ status: "bypass", reason: "temperature" });
  });

  it("tool-using requests are cached exactly but never semantically", async () => {
    const c = await cache({ semantic: { threshold: 0.01, threadMode: "inline" } });
    const req = chat({ user: "What's the weather in Paris?" });
    req.tools.push({ $typeName: "sluice.v1.Tool", name: "get_weather", description: "", parametersJson: "{}", strict: false });
    await c.store(req, "acme", answer("calling", FinishReason.TOOL_CALLS));
    expect((await c.lookup(req, "acme")).status).toBe("hit_exact");
    const near = chat({ user: "What's the weather in Paris??" });
    near.tools = req.tools;
    expect((await c.lookup(near, "acme")).status).toBe("miss");
    expect(c.index!.size).toBe(0);
  });

  it("stores only complete answers", async () => {
    const c = await cache();
    const req = chat({ user: "hello there" });
    expect(await c.store(req, "acme", answer("half", FinishReason.UNSPECIFIED))).toBe(false);
    expect(await c.store(req, "acme", answer("no", FinishReason.CONTENT_FILTER))).toBe(false);
    expect((await c.lookup(req, "acme")).status).toBe("miss");
  });

  it("disabled cache answers bypass", async () => {
    const c = await cache({ enabled: false });
    expect(await c.lookup(chat({ user: "x" }), "acme")).toMatchObject({ status: "bypass", reason: "disabled" });
  });

  it("counts lookups by outcome, similarity and latency", async () => {
    const c = await cache();
    const events: string[] = [];
    c.stats.onLookup((e) => events.push(e.status));
    const req = chat({ user: "What is the capital of France?" });
    await c.lookup(req, "acme");
    await c.store(req, "acme", answer("Paris."));
    await c.lookup(req, "acme");
    await c.lookup(chat({ user: "what is the capital of france" }), "acme");
    await c.lookup(req, "acme", "bypass");
    const s = c.stats.snapshot();
    expect(s.lookups).toEqual({ hit_exact: 1, hit_semantic: 1, miss: 1, bypass: 1 });
    expect(s.stores).toBe(1);
    expect(s.indexSize).toBe(1);
    expect(s.similarity.counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(s.latency.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(events).toEqual(["miss", "hit_exact", "hit_semantic", "bypass"]);
  });

  it("never throws when the embedder fails: lookup bypasses, store skips", async () => {
    const log = recordingLogger();
    const broken = { dims: 8, name: "broken", embed: async () => { throw new Error("boom"); } };
    const c = await ResponseCache.open({ semantic: { threadMode: "inline" } }, { embedder: broken, log });
    open.push(c);
    const req = chat({ user: "hi, what is new?" });
    expect(await c.lookup(req, "acme")).toMatchObject({ status: "bypass", reason: "unavailable" });
    expect(await c.store(req, "acme", answer("x"))).toBe(false);
    expect(c.stats.errors).toBe(2);
    expect(log.warnings.length).toBe(2);
  });
});

describe("Prometheus metrics", () => {
  it("exposes sluice_cache_* series fed by lookups", async () => {
    const { Registry } = await import("prom-client");
    const { registerCacheMetrics } = await import("../../../src/cache/prometheus.js");
    const c = await cache();
    const registry = new Registry();
    registerCacheMetrics(c, registry);
    const req = chat({ user: "What is the capital of France?" });
    await c.lookup(req, "acme");
    await c.store(req, "acme", answer("Paris."));
    await c.lookup(chat({ user: "what is the capital of france" }), "acme");
    const text = await registry.metrics();
    expect(text).toContain('sluice_cache_lookups_total{status="miss"} 1');
    expect(text).toContain('sluice_cache_lookups_total{status="hit_semantic"} 1');
    expect(text).toContain("sluice_cache_hit_similarity_count 1");
    expect(text).toContain("sluice_cache_lookup_seconds_count 2");
    expect(text).toContain("sluice_cache_index_entries 1");
    expect(text).toContain('sluice_cache_events{event="store"} 1');
  });
});

import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dot } from "../../../src/cache/embedder.js";
import { ProviderEmbedder } from "../../../src/cache/provider-embedder.js";
import { ResponseCache } from "../../../src/cache/response-cache.js";
import { answer, answerText, chat, recordingLogger } from "./support/messages.js";

/**
 * A fake OpenAI embeddings endpoint speaking the real wire format: POST /v1/embeddings with
 * { model, input: string[], encoding_format } -> { object: "list", data: [{ object: "embedding",
 * index, embedding }], model, usage }. Its "model" is a bag of words over a tiny vocabulary
 * with synonyms folded (so, unlike the lexical embedder, "automobile" matches "car"), returned
 * deliberately unnormalised and in reverse order, to test that the client fixes both.
 */
const VOCAB = ["car", "fast", "red", "price", "weather", "paris", "python", "list"];
const SYNONYMS: Record<string, string> = { automobile: "car", quick: "fast", cost: "price" };
function fakeEmbedding(text: string): number[] {
  const v = new Array(VOCAB.length).fill(0);
  for (const raw of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    const i = VOCAB.indexOf(SYNONYMS[raw] ?? raw);
    if (i >= 0) v[i] += 3;
  }
  return v;
}

let server: http.Server;
let baseUrl: string;
const seen: { auth?: string; body: any }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const parsed = JSON.parse(body);
      seen.push({ auth: req.headers.authorization, body: parsed });
      if (req.url !== "/v1/embeddings" || req.method !== "POST") {
        res.writeHead(404).end();
        return;
      }
      if (parsed.model === "broken") {
        res.writeHead(429, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }));
        return;
      }
      if (parsed.model === "slow") return; // never answers
      const data = (parsed.input as string[]).map((t, index) => ({ object: "embedding", index, embedding: fakeEmbedding(t) })).reverse();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data, model: parsed.model, usage: { prompt_tokens: 5, total_tokens: 5 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("ProviderEmbedder (OpenAI-compatible /v1/embeddings)", () => {
  it("sends the OpenAI request shape and returns unit vectors in input order", async () => {
    const e = new ProviderEmbedder({ baseUrl, apiKey: "sk-test", model: "text-embedding-3-small", dims: VOCAB.length, batchSize: 2 });
    const [a, b, c] = (await e.embed(["red car", "paris weather", "quick automobile"])) as Float32Array[];
    expect(seen.at(-2)!.body).toEqual({ model: "text-embedding-3-small", input: ["red car", "paris weather"], encoding_format: "float" });
    expect(seen.at(-1)!.body.input).toEqual(["quick automobile"]); // batched by 2
    expect(seen.at(-1)!.auth).toBe("Bearer sk-test");
    expect(dot(a!, a!)).toBeCloseTo(1, 5);
    expect(dot(a!, b!)).toBeCloseTo(0, 5);
    expect(dot(a!, c!)).toBeCloseTo(0.5, 5); // shares "car" only
  });

  it("reports HTTP errors, wrong dimensions and timeouts as errors", async () => {
    await expect(new ProviderEmbedder({ baseUrl, model: "broken", dims: 8 }).embed(["x"])).rejects.toThrow(/HTTP 429/);
    await expect(new ProviderEmbedder({ baseUrl, model: "m", dims: 16 }).embed(["x"])).rejects.toThrow(/malformed vector/);
    await expect(new ProviderEmbedder({ baseUrl, model: "slow", dims: 8, timeoutMs: 200 }).embed(["x"])).rejects.toThrow();
  });

  it("drives the semantic cache: a synonym paraphrase hits (which the lexical embedder could not do)", async () => {
    const c = await ResponseCache.open(
      { semantic: { embedder: "provider", provider: { baseUrl, model: "m", dims: VOCAB.length }, threadMode: "inline" } },
      { log: recordingLogger() },
    );
    await c.store(chat({ user: "price of a fast car" }), "acme", answer("expensive"));
    const hit = await c.lookup(chat({ user: "cost of a quick automobile" }), "acme");
    expect(hit.status).toBe("hit_semantic");
    expect(answerText(hit.response)).toBe("expensive");
    expect((await c.lookup(chat({ user: "weather in paris" }), "acme")).status).toBe("miss");
    await c.close();
  });

  it("a hanging embeddings endpoint makes the lookup bypass within the lookup timeout", async () => {
    const c = await ResponseCache.open(
      { lookupTimeoutMs: 300, semantic: { embedder: "provider", provider: { baseUrl, model: "slow", dims: 8, timeoutMs: 10_000 }, threadMode: "inline" } },
      { log: recordingLogger() },
    );
    const started = performance.now();
    expect(await c.lookup(chat({ user: "anything at all?" }), "acme")).toMatchObject({ status: "bypass", reason: "unavailable" });
    expect(performance.now() - started).toBeLessThan(2000);
    await c.close();
  });
});

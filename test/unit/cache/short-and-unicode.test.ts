/**
 * Issue 21, item 12, the cache's part: a lone surrogate in a prompt made every lookup and store
 * fail with a warning (protobuf refuses to write it as UTF-8); and the semantic cache answered
 * "hi" with the answer to "hi there" (one word is the whole difference between very short
 * prompts, and no threshold can judge that).
 */
import { afterEach, describe, expect, it } from "vitest";
import { ResponseCache } from "../../../src/cache/response-cache.js";
import { scopeOf } from "../../../src/cache/scope.js";
import { resolveCacheOptions } from "../../../src/cache/config.js";
import { answer, answerText, chat, recordingLogger } from "./support/messages.js";

const open: ResponseCache[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
async function cache(log = recordingLogger()) {
  const c = await ResponseCache.open({ semantic: { threadMode: "inline", index: "brute" } }, { log });
  open.push(c);
  return c;
}

describe("response cache and text UTF-8 cannot encode", () => {
  it("keys, stores and answers a prompt with lone surrogates without a warning", async () => {
    const log = recordingLogger();
    const c = await cache(log);
    const lone = chat({ user: "What is the capital of \uD800 France \uDC00?", params: { stop: ["\uDBFF"] } });
    for (let i = 0; i < 3; i++) expect((await c.lookup(chat({ user: `Question ${i} about \uD800 things?` }), "acme")).status).toBe("miss");
    expect((await c.lookup(lone, "acme")).status).toBe("miss");
    expect(await c.store(lone, "acme", answer("Paris \uDFFF."))).toBe(true);
    const hit = await c.lookup(lone, "acme");
    expect(hit.status).toBe("hit_exact");
    expect(answerText(hit.response)).toBe("Paris \uFFFD.");
    expect(log.warnings).toEqual([]);
    expect(c.stats.snapshot().errors).toBe(0);
  });
});

describe("semantic cache and very short prompts", () => {
  it("does not answer \"hi\" with the answer to \"hi there\" (nor the reverse)", async () => {
    const c = await cache();
    await c.store(chat({ user: "hi there" }), "acme", answer("Hello! How can I help?"));
    expect((await c.lookup(chat({ user: "hi" }), "acme")).status).toBe("miss");
    await c.store(chat({ user: "hello" }), "acme", answer("Hi!"));
    expect((await c.lookup(chat({ user: "hello there" }), "acme")).status).toBe("miss");
    // The same short prompt again is still an exact hit.
    expect((await c.lookup(chat({ user: "hi there" }), "acme")).status).toBe("hit_exact");
  });

  it("counts words, a CJK character as one, before it looks up or stores semantically", () => {
    const options = resolveCacheOptions({});
    expect(options.semantic.minWords).toBe(3);
    expect(scopeOf(chat({ user: "hi there" }), "t", options).semanticIneligible).toBe("too_short");
    expect(scopeOf(chat({ user: "  hi!!  " }), "t", options).semanticIneligible).toBe("too_short");
    expect(scopeOf(chat({ user: "capital of France?" }), "t", options).semanticIneligible).toBeUndefined();
    expect(scopeOf(chat({ user: "法国的首都" }), "t", options).semanticIneligible).toBeUndefined();
    expect(scopeOf(chat({ user: "你好" }), "t", options).semanticIneligible).toBe("too_short");
  });
});

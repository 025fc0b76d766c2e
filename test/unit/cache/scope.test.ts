import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { resolveCacheOptions } from "../../../src/cache/config.js";
import { scopeOf } from "../../../src/cache/scope.js";
import { ContentPartSchema, ImagePartSchema, MessageSchema, Role, ToolSchema } from "../../../src/gen/sluice/v1/gateway_pb.js";
import { chat, text } from "./support/messages.js";

const GOLDEN = "f5b6ec0071e5f1c6bfe5e22df0742c24d757d35d6e13d6eda1e90236a8205448";
const options = resolveCacheOptions({ semantic: { maxChars: 200, maxMessages: 4 }, maxTemperature: 0.8 });

describe("cache scope", () => {
  it("exact key ignores tags and end-user id but not the tenant", () => {
    const a = scopeOf(chat({ user: "hi", tags: { team: "x" }, endUser: "u1" }), "acme", options);
    const b = scopeOf(chat({ user: "hi", tags: { team: "y" }, endUser: "u2" }), "acme", options);
    const c = scopeOf(chat({ user: "hi" }), "globex", options);
    expect(a.exactKey).toBe(b.exactKey);
    expect(a.namespace).toBe(b.namespace);
    expect(c.exactKey).not.toBe(a.exactKey);
    expect(c.namespace).not.toBe(a.namespace);
  });

  it("exact key is a stable hash (same across processes: no random or time input)", () => {
    const s = scopeOf(chat({ user: "What is the capital of France?", system: "Be brief." }), "acme", options);
    expect(s.exactKey).toMatch(/^[0-9a-f]{64}$/);
    // Golden value: a change here means every deployed cache entry stops matching (bump KEY_VERSION).
    expect(s.exactKey).toBe(GOLDEN);
    expect(scopeOf(chat({ user: "What is the capital of France?", system: "Be brief." }), "acme", options).exactKey).toBe(s.exactKey);
  });

  it("exact key ignores prompt-caching breakpoints (a cost hint to the provider, not part of the question)", () => {
    const plain = chat({ user: "hi", system: "Be brief." });
    const hinted = chat({ user: "hi", system: "Be brief." });
    hinted.messages[0]!.content[0]!.cache = { $typeName: "sluice.v1.CacheBreakpoint", ttl: "1h" };
    hinted.tools = [create(ToolSchema, { name: "f", cache: { ttl: "" } })];
    const withTool = { ...plain, tools: [create(ToolSchema, { name: "f" })] };
    expect(scopeOf(hinted, "t", options).exactKey).toBe(scopeOf(withTool, "t", options).exactKey);
    // the request itself keeps its breakpoints: only the key leaves them out
    expect(hinted.messages[0]!.content[0]!.cache?.ttl).toBe("1h");
  });

  it("every answer-changing input changes the exact key", () => {
    const base = scopeOf(chat({ user: "hi", params: { temperature: 0.2 } }), "t", options).exactKey;
    const variants = [
      chat({ user: "hi!", params: { temperature: 0.2 } }),
      chat({ user: "hi", model: "smart", params: { temperature: 0.2 } }),
      chat({ user: "hi", params: { temperature: 0.3 } }),
      chat({ user: "hi", params: { temperature: 0.2, topP: 0.9 } }),
      chat({ user: "hi", params: { temperature: 0.2, maxOutputTokens: 10 } }),
      chat({ user: "hi", params: { temperature: 0.2, stop: ["\n"] } }),
      chat({ user: "hi", params: { temperature: 0.2, seed: 7n } }),
      chat({ user: "hi", system: "Answer in French.", params: { temperature: 0.2 } }),
    ];
    const keys = variants.map((r) => scopeOf(r, "t", options).exactKey);
    expect(new Set([base, ...keys]).size).toBe(keys.length + 1);
  });

  it("namespace separates system prompts, models and params, not the conversation", () => {
    const ns = (r: ReturnType<typeof chat>) => scopeOf(r, "t", options).namespace;
    expect(ns(chat({ user: "a" }))).toBe(ns(chat({ user: "b" })));
    expect(ns(chat({ user: "a", system: "S1" }))).not.toBe(ns(chat({ user: "a", system: "S2" })));
    expect(ns(chat({ user: "a", model: "m1" }))).not.toBe(ns(chat({ user: "a", model: "m2" })));
    expect(ns(chat({ user: "a", params: { maxOutputTokens: 5 } }))).not.toBe(ns(chat({ user: "a" })));
  });

  it("embeds the whole conversation without the system prompt", () => {
    const s = scopeOf(chat({ system: "secret rules", user: ["first question", "first answer", "follow-up"] }), "t", options);
    expect(s.embedText).toBe("user: first question\nassistant: first answer\nuser: follow-up");
  });

  it("rules out semantic caching for tools, images, long or many-turn conversations", () => {
    const withTools = chat({ user: "weather?" });
    withTools.tools.push(create(ToolSchema, { name: "get_weather", parametersJson: "{}" }));
    expect(scopeOf(withTools, "t", options).semanticIneligible).toBe("tools");
    const withToolResult = chat({ user: "weather?" });
    withToolResult.messages.push(create(MessageSchema, { role: Role.TOOL, toolCallId: "c1", content: [] }));
    expect(scopeOf(withToolResult, "t", options).semanticIneligible).toBe("tools");
    const withImage = chat({ user: "what is this?" });
    withImage.messages[0]!.content.push(create(ContentPartSchema, { part: { case: "image", value: create(ImagePartSchema, { source: { case: "url", value: "https://x/y.png" } }) } }));
    expect(scopeOf(withImage, "t", options).semanticIneligible).toBe("images");
    expect(scopeOf(chat({ user: "x".repeat(300) }), "t", options).semanticIneligible).toBe("too_long");
    expect(scopeOf(chat({ user: ["1", "2", "3", "4", "5"] }), "t", options).semanticIneligible).toBe("too_many_messages");
    expect(scopeOf(chat({ user: "a short question" }), "t", options).semanticIneligible).toBeUndefined();
    const onlySystem = chat({ user: [] , system: "s" });
    onlySystem.messages.push(text(Role.SYSTEM, "more"));
    expect(scopeOf(onlySystem, "t", options).semanticIneligible).toBe("empty");
  });

  it("rules out any caching above the temperature bound", () => {
    expect(scopeOf(chat({ user: "x", params: { temperature: 0.9 } }), "t", options).cacheIneligible).toBe("temperature");
    expect(scopeOf(chat({ user: "x", params: { temperature: 0.8 } }), "t", options).cacheIneligible).toBeUndefined();
    expect(scopeOf(chat({ user: "x" }), "t", options).cacheIneligible).toBeUndefined();
  });
});

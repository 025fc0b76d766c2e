import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SluiceError } from "../../../src/errors/sluice-error.js";
import { LocalPromptStore, PromptLibrary, RedisPromptStore, parsePromptFile, renderPrompt } from "../../../src/prompts/index.js";
import { pickVersion } from "../../../src/prompts/library.js";
import type { PromptStore } from "../../../src/prompts/store.js";
import { useRedis } from "../../support/use-redis.js";

const example = await readFile(new URL("../../fixtures/prompts/support-answer.yaml", import.meta.url), "utf8");

function refusal(work: () => unknown): SluiceError {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(SluiceError);
    return err as SluiceError;
  }
  throw new Error("expected a refusal");
}

describe("prompt files", () => {
  it("parses the README/issue example", () => {
    const t = parsePromptFile(example);
    expect(t.id).toBe("support-answer");
    expect(t.model).toBe("chat");
    expect(t.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(t.variables).toEqual({
      company: { required: true, default: undefined },
      language: { required: false, default: "English" },
      question: { required: true, default: undefined },
    });
    expect(t.params).toEqual({ temperature: 0.2, max_tokens: 300 });
  });

  it("the README's copy of the example is the same prompt", async () => {
    const readme = await readFile(new URL("../../../README.md", import.meta.url), "utf8");
    const block = /```yaml\n(id: support-answer\n[\s\S]*?)```/.exec(readme);
    expect(block, "README has the support-answer example").not.toBeNull();
    expect(parsePromptFile(block![1]!)).toEqual(parsePromptFile(example));
  });

  it.each([
    ["not yaml: [", /not valid YAML/],
    ["- a\n- b", /must be a YAML mapping/],
    ["id: x\nmessages: []", /messages must be a non-empty list/],
    ["id: 'bad id'\nmessages: [{role: user, content: hi}]", /id is required/],
    ["id: x\nmessages: [{role: tool, content: hi}]", /role must be one of/],
    ["id: x\nmessages: [{role: user, content: '{{who}}'}]", /uses \{\{who\}\}, which is not declared/],
    ["id: x\nmessages: [{role: user, content: hi}]\nextra: 1", /unknown field extra/],
    ["id: x\nmessages: [{role: user, content: hi}]\nparams: { temperature: hot }", /params.temperature must be a number/],
    ["id: x\nmessages: [{role: user, content: hi}]\nparams: { top_k: 3 }", /unknown field params.top_k/],
    ["id: x\nmessages: [{role: user, content: '{{a}}'}]\nvariables: { a: { required: true, default: z } }", /required variable has no default/],
  ])("refuses %j", (source, message) => {
    const err = refusal(() => parsePromptFile(source));
    expect(err.code).toBe("invalid_request");
    expect(err.message).toMatch(message);
  });
});

describe("rendering", () => {
  const t = parsePromptFile(example);

  it("substitutes variables as text and applies defaults", () => {
    expect(renderPrompt(t, 1, { company: "Acme", question: "Where is my order?" })).toEqual([
      { role: "system", content: "You are Acme's support assistant. Answer in English." },
      { role: "user", content: "Where is my order?" },
    ]);
  });

  it("never expands placeholders inside a value", () => {
    const out = renderPrompt(t, 1, { company: "{{language}}", question: "{{ company }}", language: "French" });
    expect(out[0]!.content).toBe("You are {{language}}'s support assistant. Answer in French.");
    expect(out[1]!.content).toBe("{{ company }}");
  });

  it("refuses a missing required variable, naming it", () => {
    const err = refusal(() => renderPrompt(t, 3, { company: "Acme" }));
    expect(err.httpStatus).toBe(400);
    expect(err.param).toBe("prompt.variables.question");
    expect(err.message).toContain("support-answer@3 needs the variable `question`");
  });

  it("refuses an unknown variable, naming it", () => {
    const err = refusal(() => renderPrompt(t, 1, { company: "Acme", question: "q", tone: "warm" }));
    expect(err.httpStatus).toBe(400);
    expect(err.param).toBe("prompt.variables.tone");
    // Names inherited from Object.prototype are not variables either.
    expect(refusal(() => renderPrompt(t, 1, { company: "A", question: "q", toString: "x" })).param).toBe("prompt.variables.toString");
  });
});

describe("sticky weighted split", () => {
  const split = [{ version: 1, weight: 90 }, { version: 2, weight: 10 }];

  it("spreads callers by the weights (within 4 standard deviations)", () => {
    const n = 20_000;
    let twos = 0;
    for (let i = 0; i < n; i++) if (pickVersion(split, `key-${i}\nuser-${i}`) === 2) twos++;
    const sd = Math.sqrt(n * 0.1 * 0.9);
    expect(Math.abs(twos - n * 0.1)).toBeLessThan(4 * sd);
  });

  it("gives one caller the same version every time", () => {
    for (let i = 0; i < 200; i++) {
      const key = `k\nu${i}`;
      const first = pickVersion(split, key);
      for (let j = 0; j < 5; j++) expect(pickVersion(split, key)).toBe(first);
    }
  });
});

const v1 = example;
const v2 = example.replace("Answer in {{language}}.", "Answer in {{language}}, briefly.");

/** One suite, both stores (the project's contract-test habit). */
function storeContract(name: string, open: () => Promise<{ store: PromptStore; second?: PromptStore }>): void {
  describe(`${name} store`, () => {
    let store: PromptStore;
    let second: PromptStore | undefined;
    beforeAll(async () => ({ store, second } = await open()));
    afterAll(async () => {
      await store.close();
      await second?.close();
    });

    it("push makes numbered versions and keeps the source", async () => {
      expect((await store.push(v1)).version).toBe(1);
      expect((await store.push(v2)).version).toBe(2);
      const versions = await store.versions("support-answer");
      expect(versions.map((v) => v.version)).toEqual([1, 2]);
      expect(versions[1]!.source).toBe(v2);
      expect(await store.ids()).toEqual(["support-answer"]);
    });

    it("refuses a bad file and loses nothing", async () => {
      await expect(store.push("id: support-answer\nmessages: 3")).rejects.toThrow(/messages must be a non-empty list/);
      expect((await store.versions("support-answer")).length).toBe(2);
    });

    it("labels, resolves through the library, and rolls back", async () => {
      const library = new PromptLibrary(store, 60_000);
      await store.setLabel("support-answer", "production", [{ version: 1, weight: 1 }]);
      expect((await library.resolve({ id: "support-answer", label: "", version: 0 }, "k\nu")).version).toBe(1);
      await store.setLabel("support-answer", "production", [{ version: 2, weight: 1 }]);
      // The change notice dropped the cached label: the next request sees version 2.
      await expect.poll(async () => (await library.resolve({ id: "support-answer", label: "production", version: 0 }, "k\nu")).version).toBe(2);
      await store.rollback("support-answer", "production");
      await expect.poll(async () => (await library.resolve({ id: "support-answer", label: "production", version: 0 }, "k\nu")).version).toBe(1);
      await expect(store.rollback("support-answer", "production")).rejects.toThrow(/no earlier assignment/);
      await expect(store.setLabel("support-answer", "staging", [{ version: 9, weight: 1 }])).rejects.toThrow(/has no version 9/);
      await expect(store.setLabel("nope", "staging", [{ version: 1, weight: 1 }])).rejects.toThrow(/no prompt `nope`/);
      await expect(library.resolve({ id: "support-answer", label: "canary", version: 0 }, "k")).rejects.toThrow(/no label `canary`/);
      await expect(library.resolve({ id: "nope", label: "", version: 0 }, "k")).rejects.toThrow(/no prompt `nope`/);
      expect((await library.resolve({ id: "support-answer", label: "", version: 2 }, "k")).template.messages[0]!.content).toContain("briefly");
      await library.close().catch(() => undefined);
    });

    if (name === "redis") {
      it("a push and a label on one replica reach the other", async () => {
        const other = new PromptLibrary(second!, 60_000);
        await other.resolve({ id: "support-answer", label: "", version: 0 }, "k"); // cached on the second replica
        const pushed = await store.push(v1.replace("support assistant", "helper"));
        await store.setLabel("support-answer", "production", [{ version: pushed.version, weight: 1 }]);
        await expect.poll(async () => (await other.resolve({ id: "support-answer", label: "", version: 0 }, "k")).template.messages[0]!.content).toContain("helper");
      });
    }
  });
}

let dir: string;
afterAll(async () => dir && rm(dir, { recursive: true, force: true }));
storeContract("local", async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-prompts-"));
  return { store: new LocalPromptStore(dir) };
});

let redis: Redis;
useRedis((started) => ({ redis } = started));
let secondClient: Redis | undefined;
afterAll(() => secondClient?.disconnect());
storeContract("redis", async () => {
  secondClient = redis.duplicate({ enableOfflineQueue: true }); // the second replica's own connection
  secondClient.on("error", () => undefined);
  return { store: await RedisPromptStore.connect(redis), second: await RedisPromptStore.connect(secondClient) };
});

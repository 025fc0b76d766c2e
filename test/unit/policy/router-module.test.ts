// The shipped router modules (needs `npm run build:wasm`): they pass the router conformance
// vectors, and decide as their rules say on crafted candidate tables; the host codec turns a
// contract breach into a typed `garbage` failure.
import { afterAll, describe, expect, it } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { RouterRouteOutputSchema } from "../../../src/gen/sluice/policy/v1/policy_pb.js";
import type { SlotConfig } from "../../../src/policy/host/definitions.js";
import { PolicyCallError, PolicyValidationError } from "../../../src/policy/host/errors.js";
import { PolicyInstance } from "../../../src/policy/host/instance.js";
import { PolicySlot } from "../../../src/policy/host/slot.js";
import { testPolicyModule, validateModule } from "../../../src/policy/host/validate.js";
import { sha256Hex } from "../../../src/policy/host/version-store.js";
import { inspectWasm } from "../../../src/policy/host/wasm-inspect.js";
import { RouterSlot } from "../../../src/policy/router/api.js";
import { decodeRouterOutput, encodeRouterInput, type RouterCandidateInfo, type RouterInput } from "../../../src/policy/router/codec.js";
import { DEFAULT_SLOT_CONFIG, SLOT_DEFINITIONS } from "../../../src/policy/slots.js";
import { builtModule, debugBuild } from "./helpers.js";

const slots: PolicySlot[] = [];
afterAll(async () => {
  await Promise.all(slots.splice(0).map((s) => s.close()));
});

export async function routerSlot(moduleName: string, config: Partial<SlotConfig> = {}): Promise<PolicySlot> {
  const slot = new PolicySlot(SLOT_DEFINITIONS.router, { ...DEFAULT_SLOT_CONFIG.router, ...config });
  const bytes = builtModule(moduleName);
  await slot.activate(bytes, { version: 1, sha256: sha256Hex(bytes), activatedAt: new Date().toISOString() });
  slots.push(slot);
  return slot;
}

const cand = (targetId: string, over: Partial<RouterCandidateInfo> = {}): RouterCandidateInfo => ({
  targetId, healthy: true, latencyEwmaMs: 0, errorRate: 0, priceInputPerMtok: 1, priceOutputPerMtok: 4,
  remainingCapacity: 0, weight: 1, inflight: 0, ...over,
});
// mini: cheap; mid: middle; big: expensive (the "strong" model). Listed out of price order.
const big = (over: Partial<RouterCandidateInfo> = {}) => cand("openai/big", { priceInputPerMtok: 5, priceOutputPerMtok: 15, ...over });
const mini = (over: Partial<RouterCandidateInfo> = {}) => cand("openai/mini", { priceInputPerMtok: 0.15, priceOutputPerMtok: 0.6, ...over });
const mid = (over: Partial<RouterCandidateInfo> = {}) => cand("claude/mid", { priceInputPerMtok: 1, priceOutputPerMtok: 5, ...over });

const input = (candidates: RouterCandidateInfo[], over: Partial<RouterInput> = {}): RouterInput => ({
  alias: "chat", tenant: "acme", tags: ["team=search"], inputTokenEstimate: 300,
  features: { lengthChars: 1200, hasCode: false, turns: 1 }, candidates, ...over,
});

describe("conformance", () => {
  it("the default module, the example and the faulty test module pass the router vectors", async () => {
    for (const name of ["router", "router-hostio", "router-strong-for-code", "router-strong-for-code-hostio", "testdata/router-faulty"]) {
      await expect(validateModule(SLOT_DEFINITIONS.router, DEFAULT_SLOT_CONFIG.router, builtModule(name)), name).resolves.toBeDefined();
    }
  });

  it("rejects a module of another slot, and the vectors catch a module that breaks the contract", async () => {
    expect(await testPolicyModule(SLOT_DEFINITIONS.router, DEFAULT_SLOT_CONFIG.router, builtModule("pii"))).toEqual({
      ok: false, problems: ['missing export "route"', "declared maximum memory 512 pages exceeds the slot cap of 256"],
    });
    // The vectors run on the module's answers: a router that always names a non-candidate fails.
    const vectors = SLOT_DEFINITIONS.router.conformance;
    expect(vectors.length).toBeGreaterThanOrEqual(5);
    const bogus = toBinary(RouterRouteOutputSchema, create(RouterRouteOutputSchema, { abiVersion: 1, targetIds: ["x/y"] }));
    expect(vectors[0]!.check(bogus, null)).toMatch(/unknown target id "x\/y"/);
    const wrongAbi = toBinary(RouterRouteOutputSchema, create(RouterRouteOutputSchema, { abiVersion: 2, targetIds: ["a/m1"] }));
    expect(vectors[0]!.check(wrongAbi, null)).toMatch(/abi_version 2/);
    expect(vectors.at(-1)!.check(bogus, null)).toBe("accepted abi_version 99");
  });
});

// Each rule ships twice: plain Extism I/O (any Extism host, worker mode) and `sluice:host` I/O
// (the slot's default for trusted slots). Both must decide alike. The default rule's tests run
// its debug builds (assertions on; helpers.ts debugBuild); the example has release builds only.
const VARIANTS = [
  { io: "plain Extism I/O", router: debugBuild("router"), example: "router-strong-for-code" },
  { io: "sluice:host I/O", router: debugBuild("router-hostio"), example: "router-strong-for-code-hostio" },
] as const;

describe("module I/O variants", () => {
  it("the hostio builds import sluice:host, the plain ones do not; the default source is the hostio one", async () => {
    for (const { router, example } of VARIANTS) {
      for (const name of [router, example]) {
        const bytes = builtModule(name);
        const instance = await PolicyInstance.create({ bytes, info: inspectWasm(bytes), untrusted: false, timeoutMs: 1000 });
        expect(instance.hostIo, name).toBe(name.includes("-hostio"));
        await instance.drainAndClose();
      }
    }
    expect(DEFAULT_SLOT_CONFIG.router.source).toBe("builtin:router-hostio");
  });

  it("an untrusted (worker) slot refuses the hostio module and runs the plain one", async () => {
    const refused = await validateModule(SLOT_DEFINITIONS.router, { ...DEFAULT_SLOT_CONFIG.router, trusted: false }, builtModule("router-hostio")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PolicyValidationError);
    expect((refused as PolicyValidationError).reasons).toEqual(["modules importing sluice:host can only fill a trusted slot"]);
    const worker = new RouterSlot(await routerSlot("router", { trusted: false, timeoutMs: 2000 }));
    expect((await worker.route(input([big(), mid(), mini()]))).targetIds).toEqual(["openai/mini", "claude/mid", "openai/big"]);
  });

  it("both variants give the same decision on seeded random candidate tables", async () => {
    const plain = new RouterSlot(await routerSlot("router"));
    const hostio = new RouterSlot(await routerSlot("router-hostio"));
    let state = 7;
    const rnd = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 200; i++) {
      const candidates = Array.from({ length: 1 + Math.floor(rnd() * 12) }, (_, k) => cand(`p${k}/m${i}`, {
        healthy: rnd() < 0.8, latencyEwmaMs: rnd() < 0.3 ? 0 : rnd() * 3000, errorRate: rnd() < 0.7 ? 0 : rnd(),
        priceInputPerMtok: rnd() * 10, priceOutputPerMtok: rnd() * 30,
        remainingCapacity: rnd() < 0.5 ? 0 : Math.floor(rnd() * 8000),
      }));
      const req = input(candidates, { inputTokenEstimate: Math.floor(rnd() * 5000) });
      const [a, b] = [await plain.route(req), await hostio.route(req)];
      expect(b, `table ${i}`).toEqual(a);
      expect(a.outcome).toBe("routed");
    }
  });
});

for (const { io, router: ROUTER, example: EXAMPLE } of VARIANTS) {
describe(`default module (${io}): cost-aware with health and latency guards`, () => {
  it("tries the cheapest healthy target first, then by expected cost", async () => {
    const router = new RouterSlot(await routerSlot(ROUTER));
    const d = await router.route(input([big(), mid(), mini()]));
    expect(d.outcome).toBe("routed");
    expect(d.targetIds).toEqual(["openai/mini", "claude/mid", "openai/big"]);
    expect(d.reason).toBe("cost-aware: openai/mini cheapest healthy");
    expect(d.version).toBe(1);
  });

  it("weighs input against output price by the request's input token estimate", async () => {
    const router = new RouterSlot(await routerSlot(ROUTER));
    // cheap-in: cheap input, dear output; cheap-out: the other way round.
    const cheapIn = cand("a/cheap-in", { priceInputPerMtok: 0.1, priceOutputPerMtok: 10 });
    const cheapOut = cand("b/cheap-out", { priceInputPerMtok: 2, priceOutputPerMtok: 1 });
    expect((await router.route(input([cheapIn, cheapOut], { inputTokenEstimate: 100 }))).targetIds[0]).toBe("b/cheap-out");
    expect((await router.route(input([cheapIn, cheapOut], { inputTokenEstimate: 100_000 }))).targetIds[0]).toBe("a/cheap-in");
  });

  it("pushes back an unhealthy target, a high error rate and a much slower one, naming why", async () => {
    const router = new RouterSlot(await routerSlot(ROUTER));
    const down = await router.route(input([mini({ healthy: false }), mid(), big()]));
    expect(down.targetIds).toEqual(["claude/mid", "openai/big", "openai/mini"]);
    expect(down.reason).toBe("cost-aware: claude/mid cheapest healthy; pushed back: openai/mini (unhealthy)");

    const failing = await router.route(input([mini({ errorRate: 0.5 }), mid(), big()]));
    expect(failing.targetIds).toEqual(["claude/mid", "openai/big", "openai/mini"]);
    expect(failing.reason).toContain("openai/mini (error rate)");
    // A single failure's EWMA (0.2) is under the 0.25 guard: still cheapest first.
    expect((await router.route(input([mini({ errorRate: 0.2 }), mid()]))).targetIds[0]).toBe("openai/mini");

    const slow = await router.route(input([mini({ latencyEwmaMs: 3000 }), mid({ latencyEwmaMs: 400 }), big({ latencyEwmaMs: 450 })]));
    expect(slow.targetIds).toEqual(["claude/mid", "openai/big", "openai/mini"]);
    expect(slow.reason).toContain("openai/mini (slow)");
    // 2x slower is within the guard (it takes > 3x and >= 200 ms more).
    expect((await router.route(input([mini({ latencyEwmaMs: 800 }), mid({ latencyEwmaMs: 400 })]))).targetIds[0]).toBe("openai/mini");
  });

  it("pushes back a target whose provider said it has fewer tokens left than the request needs", async () => {
    const router = new RouterSlot(await routerSlot(ROUTER));
    // 1,000 input tokens + 256 expected output: 1,200 left is short, 1,256 is enough, 0 is unknown.
    const short = await router.route(input([mini({ remainingCapacity: 1200 }), mid(), big()], { inputTokenEstimate: 1000 }));
    expect(short.targetIds).toEqual(["claude/mid", "openai/big", "openai/mini"]);
    expect(short.reason).toBe("cost-aware: claude/mid cheapest healthy; pushed back: openai/mini (capacity)");
    for (const remainingCapacity of [1256, 0]) {
      const enough = await router.route(input([mini({ remainingCapacity }), mid()], { inputTokenEstimate: 1000 }));
      expect(enough.targetIds[0], `remaining ${remainingCapacity}`).toBe("openai/mini");
    }
  });

  it("when nothing is healthy, still lists every target, least bad first", async () => {
    const router = new RouterSlot(await routerSlot(ROUTER));
    const d = await router.route(input([big({ healthy: false }), mini({ healthy: false })]));
    expect(d.targetIds).toEqual(["openai/mini", "openai/big"]);
    expect(d.reason).toMatch(/^cost-aware: openai\/mini least bad \(none healthy\)/);
  });

  it("refuses an input with abi_version 99 (module error, named)", async () => {
    const slot = await routerSlot(ROUTER);
    const out = await slot.call(encodeRouterInput(input([mini()]), 99));
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.failure.kind).toBe("module_error");
      expect(out.failure.message).toContain("unsupported abi_version");
    }
  });

  it("keeps deciding correctly over many calls (no per-call leak past the memory cap)", async () => {
    const router = new RouterSlot(await routerSlot(ROUTER));
    const many = Array.from({ length: 40 }, (_, i) => cand(`p${i}/model-with-a-long-name-${i}`, { priceInputPerMtok: 40 - i }));
    for (let i = 0; i < 3000; i++) {
      const d = await router.route(input(many, { tags: [`i=${i}`] }));
      if (d.targetIds[0] !== "p39/model-with-a-long-name-39") throw new Error(`call ${i}: ${JSON.stringify(d)}`);
    }
  });
});

describe(`example module (${io}): strong for code`, () => {
  it("sends a code prompt, and a long one, to the strongest usable target; others cost-aware", async () => {
    const router = new RouterSlot(await routerSlot(EXAMPLE));
    const code = await router.route(input([mini(), mid(), big()], { features: { lengthChars: 300, hasCode: true, turns: 1 } }));
    expect(code.targetIds).toEqual(["openai/big", "openai/mini", "claude/mid"]);
    expect(code.reason).toBe("strong-for-code: code prompt -> openai/big");
    const long = await router.route(input([mini(), mid(), big()], { features: { lengthChars: 9000, hasCode: false, turns: 4 } }));
    expect(long.targetIds[0]).toBe("openai/big");
    expect(long.reason).toBe("strong-for-code: long prompt -> openai/big");
    const plain = await router.route(input([mini(), mid(), big()]));
    expect(plain.targetIds).toEqual(["openai/mini", "claude/mid", "openai/big"]);
    expect(plain.reason).toBe("cost-aware: openai/mini cheapest healthy");
  });

  it("skips a strong target that is unhealthy or failing", async () => {
    const router = new RouterSlot(await routerSlot(EXAMPLE));
    const features = { lengthChars: 300, hasCode: true, turns: 1 };
    expect((await router.route(input([mini(), mid(), big({ healthy: false })], { features }))).targetIds[0]).toBe("claude/mid");
    expect((await router.route(input([mini(), mid(), big({ errorRate: 0.6 })], { features }))).targetIds[0]).toBe("claude/mid");
  });
});

}

describe("router codec contract checks", () => {
  const ids = ["a/1", "b/2"];
  const out = (init: { abiVersion?: number; targetIds?: string[]; reason?: string }) =>
    toBinary(RouterRouteOutputSchema, create(RouterRouteOutputSchema, { abiVersion: 1, ...init }));
  const garbageOf = (bytes: Uint8Array): string => {
    try {
      decodeRouterOutput(bytes, ids);
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyCallError);
      expect((err as PolicyCallError).kind).toBe("garbage");
      return (err as Error).message;
    }
    throw new Error("accepted");
  };

  it("accepts a well-formed answer, an empty one, and trims a long reason", () => {
    expect(decodeRouterOutput(out({ targetIds: ["b/2", "a/1"], reason: "r" }), ids)).toEqual({ targetIds: ["b/2", "a/1"], reason: "r" });
    expect(decodeRouterOutput(out({ targetIds: [] }), ids)).toEqual({ targetIds: [], reason: "" });
    expect(decodeRouterOutput(out({ targetIds: ["a/1"], reason: "x".repeat(1000) }), ids).reason).toHaveLength(303);
  });

  it("turns bad bytes, a wrong ABI version, unknown and repeated ids into garbage", () => {
    expect(garbageOf(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toMatch(/not a RouterRouteOutput/);
    expect(garbageOf(out({ abiVersion: 0, targetIds: ["a/1"] }))).toMatch(/abi_version 0, expected 1/);
    expect(garbageOf(out({ targetIds: ["c/3"] }))).toMatch(/unknown target id "c\/3"/);
    expect(garbageOf(out({ targetIds: ["a/1", "a/1"] }))).toMatch(/listed twice/);
  });

  it("a validation failure names the slot", async () => {
    const err = await validateModule(SLOT_DEFINITIONS.router, DEFAULT_SLOT_CONFIG.router, builtModule("testdata/overcap")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyValidationError);
    expect((err as PolicyValidationError).reasons).toContain('missing export "route"');
  });
});

describe("router hot swap through PolicyHost (local store)", () => {
  it("a pushed module decides from the next call on; rollback restores the default", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { PolicyHost } = await import("../../../src/policy/policy-host.js");
    const { LocalVersionStore } = await import("../../../src/policy/host/version-store.js");
    const { DIST } = await import("./helpers.js");
    const dataDir = mkdtempSync(join(tmpdir(), "sluice-router-"));
    const host = await PolicyHost.start({ slots: [{ slot: "router" }], store: new LocalVersionStore(dataDir), builtinDir: DIST });
    try {
      const router = host.router(["chat"]);
      expect([router.applies("chat"), router.applies("other")]).toEqual([true, false]);
      // version 1 is the slot's default source: the sluice:host build
      expect((await host.list("router")).versions[0]?.note).toBe("initial builtin:router-hostio");
      const code = input([mini(), big()], { features: { lengthChars: 200, hasCode: true, turns: 1 } });
      expect((await router.route(code)).targetIds[0]).toBe("openai/mini");
      const v2 = await host.push("router", builtModule("router-strong-for-code"), "example");
      expect(v2.version).toBe(2);
      const after = await router.route(code);
      expect([after.targetIds[0], after.version]).toEqual(["openai/big", 2]);
      await host.rollback("router");
      const back = await router.route(code);
      expect([back.targetIds[0], back.version]).toEqual(["openai/mini", 1]);
      await expect(host.push("router", builtModule("pii"))).rejects.toBeInstanceOf(PolicyValidationError);
      expect((await host.list("router")).active?.version).toBe(1);
    } finally {
      await host.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// Misbehaving modules: rejected when loaded, or handled per the slot's fail mode at run time,
// with the slot serving the next request normally.
import { afterEach, describe, expect, it } from "vitest";
import { PolicyRefusedError, PolicyValidationError } from "../../../src/policy/host/errors.js";
import type { PolicySlot } from "../../../src/policy/host/slot.js";
import { validateModule } from "../../../src/policy/host/validate.js";
import { PiiSlot } from "../../../src/policy/pii/api.js";
import { DEFAULT_SLOT_CONFIG, SLOT_DEFINITIONS } from "../../../src/policy/slots.js";
import { builtModule, loadedSlot } from "./helpers.js";

const EMAIL = { EMAIL_ADDRESS: "redact" } as const;
const slots: PolicySlot[] = [];
afterEach(async () => {
  await Promise.all(slots.splice(0).map((s) => s.close()));
});
async function slotWith(name: string, config: Parameters<typeof loadedSlot>[1]): Promise<PiiSlot> {
  const slot = await loadedSlot(`testdata/${name}`, config);
  slots.push(slot);
  return new PiiSlot(slot);
}

async function rejection(bytes: Uint8Array, config = DEFAULT_SLOT_CONFIG.pii): Promise<string[]> {
  try {
    await validateModule(SLOT_DEFINITIONS.pii, config, bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyValidationError);
    return (err as PolicyValidationError).reasons;
  }
  throw new Error("module was accepted");
}

// (module (memory (export "memory") 1 1)): valid, but none of the slot's exports.
const MEMORY_ONLY = new Uint8Array([
  0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, 1, 1, 1, 7, 10, 1, 6, ...Buffer.from("memory"), 2, 0,
]);

describe("validation", () => {
  it("accepts the shipped module and the test modules that behave on the vectors", async () => {
    for (const name of ["pii", "pii-hostio", "testdata/trap", "testdata/loop", "testdata/oom", "testdata/garbage"]) {
      await expect(validateModule(SLOT_DEFINITIONS.pii, DEFAULT_SLOT_CONFIG.pii, builtModule(name))).resolves.toBeDefined();
    }
  });

  it("rejects missing exports, bad bytes, and memory over the cap or unbounded", async () => {
    expect(await rejection(MEMORY_ONLY)).toEqual(['missing export "scan"', 'missing export "abi_version"']);
    expect(await rejection(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toEqual(["wasm: not a WebAssembly module (bad magic)"]);
    expect(await rejection(builtModule("testdata/overcap"))).toEqual(["declared maximum memory 4096 pages exceeds the slot cap of 512"]);
    expect(await rejection(builtModule("testdata/nomax"))).toEqual(["memory has no declared maximum (build with --maximumMemory)"]);
  });

  it("rejects a module that traps on the conformance vectors", async () => {
    const reasons = await rejection(builtModule("testdata/broken"));
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.every((r) => r.includes(": trap: "))).toBe(true);
  });

  it("rejects a module that loops, stopped by the time limit in a worker (4x the slot's limit during conformance)", async () => {
    const started = Date.now();
    const reasons = await rejection(builtModule("testdata/spin"), { ...DEFAULT_SLOT_CONFIG.pii, timeoutMs: 200 });
    expect(reasons[0]).toMatch(/timeout: call to scan exceeded 800 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("refuses a sluice:host module for an untrusted slot", async () => {
    expect(await rejection(builtModule("pii-hostio"), { ...DEFAULT_SLOT_CONFIG.pii, trusted: false })).toEqual([
      "modules importing sluice:host can only fill a trusted slot",
    ]);
  });
});

describe("run-time failures, per fail mode", () => {
  for (const kind of ["trap", "oom", "garbage"] as const) {
    const expected = kind === "garbage" ? "garbage" : "trap";

    it(`${kind}: fail closed refuses with a typed error, then serves the next request`, async () => {
      const pii = await slotWith(kind, { failMode: "closed" });
      const err = await pii.scan([`x@y.com __${kind}__`], EMAIL).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PolicyRefusedError);
      expect((err as PolicyRefusedError).failure.kind).toBe(expected);
      const next = await pii.scan(["mail x@y.com"], EMAIL);
      expect(next.texts).toEqual(["mail [EMAIL_ADDRESS]"]);
    });

    it(`${kind}: fail open passes the texts through unchanged, then serves the next request`, async () => {
      const pii = await slotWith(kind, { failMode: "open" });
      const r = await pii.scan([`x@y.com __${kind}__`], EMAIL);
      expect(r.outcome).toBe("skipped");
      expect(r.failure?.kind).toBe(expected);
      expect(r.texts).toEqual([`x@y.com __${kind}__`]);
      expect((await pii.scan(["mail x@y.com"], EMAIL)).texts).toEqual(["mail [EMAIL_ADDRESS]"]);
    });
  }

  it("a trap gets a fresh instance for the next call", async () => {
    const slot = await loadedSlot("testdata/trap", { failMode: "open" });
    slots.push(slot);
    const pii = new PiiSlot(slot);
    expect(slot.generations()).toBe(1);
    await pii.scan(["__trap__"], EMAIL);
    await pii.scan(["ok"], EMAIL);
    expect(slot.generations()).toBe(2);
  });

  it("loop on an untrusted slot: the call times out, the worker is replaced, queued calls and the event loop keep going", async () => {
    const slot = await loadedSlot("testdata/loop", { trusted: false, failMode: "open", timeoutMs: 300 });
    slots.push(slot);
    const pii = new PiiSlot(slot);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const started = Date.now();
    const [looped, queued] = await Promise.all([pii.scan(["__loop__"], EMAIL), pii.scan(["mail x@y.com"], EMAIL)]);
    clearInterval(ticker);
    expect(looped.outcome).toBe("skipped");
    expect(looped.failure?.kind).toBe("timeout");
    expect(queued.texts).toEqual(["mail [EMAIL_ADDRESS]"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(ticks).toBeGreaterThanOrEqual(5); // timers ran while the module spun in its worker
    expect(slot.generations()).toBe(2);
  });

  it("trap on an untrusted slot: the failure carries the worker's message, then the next call serves", async () => {
    const pii = await slotWith("trap", { trusted: false, failMode: "open", timeoutMs: 1000 });
    const r = await pii.scan(["__trap__"], EMAIL);
    expect(r.failure?.kind).toBe("trap");
    expect(r.failure?.message).not.toContain("[object Object]");
    expect(r.failure?.message).toMatch(/unreachable/i);
    expect((await pii.scan(["mail x@y.com"], EMAIL)).texts).toEqual(["mail [EMAIL_ADDRESS]"]);
  });

  it("loop on an untrusted fail-closed slot refuses with a typed timeout", async () => {
    const pii = await slotWith("loop", { trusted: false, failMode: "closed", timeoutMs: 200 });
    const err = await pii.scan(["__loop__"], EMAIL).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyRefusedError);
    expect((err as PolicyRefusedError).failure.kind).toBe("timeout");
  });
});

describe("testPolicyModule (for `sluice policy test`)", () => {
  it("lists problems instead of throwing", async () => {
    const { testPolicyModule } = await import("../../../src/policy/host/validate.js");
    expect(await testPolicyModule(SLOT_DEFINITIONS.pii, DEFAULT_SLOT_CONFIG.pii, builtModule("pii"))).toEqual({ ok: true, problems: [] });
    const bad = await testPolicyModule(SLOT_DEFINITIONS.pii, DEFAULT_SLOT_CONFIG.pii, builtModule("testdata/overcap"));
    expect(bad).toEqual({ ok: false, problems: ["declared maximum memory 4096 pages exceeds the slot cap of 512"] });
  });
});

import { describe, expect, it } from "vitest";
import { SpareControllers } from "../../../src/server/http/spare-controllers.js";
import { offAbort, onAbort } from "../../../src/core/abort-hooks.js";

describe("spare abort controllers (REST requests)", () => {
  it("hands a controller back out once its request ended without firing it and nothing listens", () => {
    const spare = new SpareControllers();
    const first = spare.take();
    const onAbort = () => {};
    first.signal.addEventListener("abort", onAbort);
    first.signal.removeEventListener("abort", onAbort);
    spare.give(first);
    expect(spare.take()).toBe(first);
    expect(spare.take()).not.toBe(first); // given back once, handed out once
  });

  it("never hands out a signal that fired", () => {
    const spare = new SpareControllers();
    const fired = spare.take();
    fired.abort();
    spare.give(fired);
    const next = spare.take();
    expect(next).not.toBe(fired);
    expect(next.signal.aborted).toBe(false);
  });

  it("never hands out a signal something still listens to (its abort would reach a finished request)", () => {
    const spare = new SpareControllers();
    const held = spare.take();
    let calls = 0;
    held.signal.addEventListener("abort", () => calls++);
    spare.give(held);
    const next = spare.take();
    expect(next).not.toBe(held);
    next.abort();
    expect(calls).toBe(0);
  });

  it("reuses a signal whose abort hooks (core/abort-hooks.ts) were all taken back, and each hook runs for its own request only", () => {
    const spare = new SpareControllers();
    const first = spare.take();
    let firstRuns = 0;
    const firstHook = () => firstRuns++;
    onAbort(first.signal, firstHook);
    offAbort(first.signal, firstHook);
    spare.give(first);
    const again = spare.take();
    expect(again).toBe(first); // the idle relay listener does not stop reuse
    let secondRuns = 0;
    onAbort(again.signal, () => secondRuns++);
    again.abort();
    expect([firstRuns, secondRuns]).toEqual([0, 1]);
  });

  it("never hands out a signal with an abort hook still waiting", () => {
    const spare = new SpareControllers();
    const held = spare.take();
    let calls = 0;
    onAbort(held.signal, () => calls++);
    spare.give(held);
    expect(spare.take()).not.toBe(held);
    held.abort();
    expect(calls).toBe(1); // still its own request's hook
  });

  it("keeps at most `max` spares", () => {
    const spare = new SpareControllers(2);
    const made = [spare.take(), spare.take(), spare.take()];
    for (const c of made) spare.give(c);
    const again = [spare.take(), spare.take(), spare.take()];
    expect(again.filter((c) => made.includes(c))).toHaveLength(2);
  });
});

import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { idleAbortListeners, offAbort, onAbort } from "../../../src/core/abort-hooks.js";

describe("abort hooks", () => {
  it("runs every hook present when the signal fires, once, in the order added", () => {
    const controller = new AbortController();
    const seen: string[] = [];
    onAbort(controller.signal, () => seen.push("a"));
    onAbort(controller.signal, () => seen.push("b"));
    controller.abort();
    controller.abort();
    expect(seen).toEqual(["a", "b"]);
  });

  it("a hook taken back does not run; the signal keeps one listener however many hooks come and go", () => {
    const controller = new AbortController();
    let runs = 0;
    for (let i = 0; i < 100; i++) {
      const hook = () => runs++;
      onAbort(controller.signal, hook);
      offAbort(controller.signal, hook);
    }
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    expect(idleAbortListeners(controller.signal)).toBe(1);
    controller.abort();
    expect(runs).toBe(0);
  });

  it("a hook that takes another back while the signal fires does not stop it running (both were due)", () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const second = () => seen.push("second");
    onAbort(controller.signal, () => {
      seen.push("first");
      offAbort(controller.signal, second);
    });
    onAbort(controller.signal, second);
    controller.abort();
    expect(seen).toEqual(["first", "second"]);
  });

  it("counts no idle listener on a signal it never saw, or while a hook waits", () => {
    const controller = new AbortController();
    expect(idleAbortListeners(controller.signal)).toBe(0);
    const hook = () => {};
    onAbort(controller.signal, hook);
    expect(idleAbortListeners(controller.signal)).toBe(0);
    offAbort(controller.signal, hook);
    expect(idleAbortListeners(controller.signal)).toBe(1);
  });
});

describe("abort hooks, slots reused", () => {
  it("hooks added after others were taken back still run, in the order added; a hook added twice runs twice", () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const a = () => seen.push("a");
    const b = () => seen.push("b");
    const c = () => seen.push("c");
    onAbort(controller.signal, a);
    onAbort(controller.signal, b);
    offAbort(controller.signal, a);
    offAbort(controller.signal, b);
    offAbort(controller.signal, b); // not there any more: nothing
    onAbort(controller.signal, c);
    onAbort(controller.signal, a);
    onAbort(controller.signal, c);
    offAbort(controller.signal, a);
    onAbort(controller.signal, b);
    controller.abort();
    expect(seen).toEqual(["c", "c", "b"]);
  });

  it("taking back a hook on a signal with no hook left does nothing", () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const a = () => seen.push("a");
    onAbort(controller.signal, a);
    offAbort(controller.signal, a);
    offAbort(controller.signal, a);
    expect(idleAbortListeners(controller.signal)).toBe(1);
    onAbort(controller.signal, a);
    controller.abort();
    expect(seen).toEqual(["a"]);
  });
});

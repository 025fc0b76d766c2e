import { describe, expect, it } from "vitest";
import { Inflight } from "../../../src/server/http/inflight.js";

describe("Inflight (the drain's list of requests in progress)", () => {
  it("keeps what was added and not removed, whatever the order of removal", () => {
    const inflight = new Inflight();
    const controllers = Array.from({ length: 5 }, () => new AbortController());
    const entries = controllers.map((c) => inflight.add(c));
    inflight.remove(entries[2]!); // middle
    inflight.remove(entries[4]!); // head (last added)
    inflight.remove(entries[0]!); // tail
    expect(inflight.size).toBe(2);
    expect(new Set(inflight.controllers())).toEqual(new Set([controllers[1], controllers[3]]));
    inflight.remove(entries[2]!); // twice: nothing
    expect(inflight.size).toBe(2);
    inflight.remove(entries[1]!);
    inflight.remove(entries[3]!);
    expect(inflight.size).toBe(0);
    expect(inflight.controllers()).toEqual([]);
    const again = inflight.add(controllers[0]!);
    expect(inflight.controllers()).toEqual([controllers[0]]);
    inflight.remove(again);
    expect(inflight.size).toBe(0);
  });

  it("hands out a copy, so aborting may remove entries while the drain walks it", () => {
    const inflight = new Inflight();
    const entries = [new AbortController(), new AbortController(), new AbortController()].map((c) => {
      const entry = inflight.add(c);
      c.signal.addEventListener("abort", () => inflight.remove(entry));
      return entry;
    });
    for (const c of inflight.controllers()) c.abort();
    expect(inflight.size).toBe(0);
    expect(entries.every((e) => e.controller.signal.aborted)).toBe(true);
  });
});

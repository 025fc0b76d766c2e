import { describe, expect, it } from "vitest";
import { twoDecimals } from "../../../src/server/http/access-log.js";

describe("twoDecimals (the access log's durations)", () => {
  it("writes exactly what String writes, for durations rounded to two decimals and for anything else", () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const values: number[] = [0, 0.01, 0.1, 0.5, 1, 9.99, 10, 100.05, 123.4, 2 ** 31, 2 ** 31 + 0.25, 9_999_999_999.99, 1e10, 1e12, 1e15 + 0.5, -1, -0.01, 0.001, 1 / 3, NaN, Infinity];
    for (let i = 0; i < 20_000; i++) {
      const ms = random() * 10 ** Math.floor(random() * 12);
      values.push(Math.round(ms * 100) / 100, ms);
    }
    for (const v of values) expect(twoDecimals(v)).toBe(String(v));
  });
});

import { describe, expect, it } from "vitest";
import { modelMatcher } from "../../../src/limits/keys.js";

describe("tenant model globs (issue 21, item 9)", () => {
  it("`*` stops at `/`: a glob cannot admit a name that climbs out with `..`", () => {
    const m = modelMatcher(["gem/gemini-2.0-*"]);
    expect(m("gem/gemini-2.0-flash")).toBe(true);
    expect(m("gem/gemini-2.5-pro")).toBe(false);
    expect(m("gem/gemini-2.0-x/../gemini-2.5-pro")).toBe(false);
    expect(m("gem/gemini-2.0-x/../../../v1/models/gemini-2.5-pro")).toBe(false);
  });

  it("`**` crosses `/` for provider model names that hold slashes; a lone `*` still means every model", () => {
    const m = modelMatcher(["vllm/**", "mock-*"]);
    expect(m("vllm/meta-llama/Llama-3.1-8B-Instruct")).toBe(true);
    expect(m("mock-echo")).toBe(true);
    expect(m("mock-echo/x")).toBe(false);
    expect(modelMatcher(["*"])("gem/anything/at/all")).toBe(true);
  });
});

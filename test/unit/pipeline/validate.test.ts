import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ChatRequestSchema, Role } from "../../../src/gen/sluice/v1/gateway_pb.js";
import { requireBoundedJsonValue, validateChatRequest } from "../../../src/pipeline/validate.js";

const base = { model: "m", messages: [{ role: Role.USER, content: [{ part: { case: "text" as const, value: "hi" } }] }] };
const withParameters = (parametersJson: string) => create(ChatRequestSchema, { ...base, tools: [{ name: "f", parametersJson }] });
const nestedText = (depth: number) => '{"a":'.repeat(depth - 1) + "{}" + "}".repeat(depth - 1);

describe("JSON depth and size bound of the canonical validation (issue 21, item 11)", () => {
  it("counts only brackets outside strings, escaped quotes included", () => {
    const brackets = "[{".repeat(500);
    expect(() => validateChatRequest(withParameters(`{"description":"${brackets}","q":"a\\"${brackets}"}`))).not.toThrow();
    expect(() => validateChatRequest(withParameters(nestedText(64)))).not.toThrow();
    expect(() => validateChatRequest(withParameters(nestedText(65)))).toThrow(/nested deeper than 64 levels/);
    expect(() => validateChatRequest(withParameters(`[${nestedText(64)}]`))).toThrow(/nested deeper/);
  });

  it("refuses JSON text over the size limit", () => {
    const big = `{"d":"${"x".repeat(1_048_576)}"}`;
    expect(() => validateChatRequest(withParameters(big))).toThrow(/longer than 1048576 characters/);
  });

  it("walks parsed values without recursion, whatever their depth", () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => requireBoundedJsonValue(deep, "p")).toThrow(/p is nested deeper than 64 levels/);
    expect(() => requireBoundedJsonValue(JSON.parse(nestedText(64)), "p")).not.toThrow();
    expect(() => requireBoundedJsonValue("scalar", "p")).not.toThrow();
  });
});

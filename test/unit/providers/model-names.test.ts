import { describe, expect, it } from "vitest";
import { requireModelName } from "../../../src/providers/model-names.js";

const ok = (kind: string, model: string) => expect(() => requireModelName(kind, model), `${kind} ${model}`).not.toThrow();
const refused = (kind: string, model: string) => expect(() => requireModelName(kind, model), `${kind} ${model}`).toThrow(/invalid model name/);

describe("provider model names per kind (issue 21, item 9)", () => {
  it("gemini: one segment, or tunedModels/ + one segment; no '..', '/', '%', '?'", () => {
    for (const m of ["gemini-2.5-pro", "gemini-2.0-flash-001", "tunedModels/my-model-1", "fixture:works"]) ok("gemini", m);
    for (const m of ["gemini-2.0-x/../gemini-2.5-pro", "../../../v1/models/x", "gemini-2.0-x%2F..%2Fy", "..", "a..b", "models/x", "x?alt=sse", "x#y", "tunedModels/../x", ""]) {
      refused("gemini", m);
    }
  });

  it("azure-openai: a deployment name is one segment", () => {
    ok("azure-openai", "gpt-4o-prod");
    for (const m of ["../x", "dep/../x", "dep/x", ".", "dep x"]) refused("azure-openai", m);
  });

  it("bedrock: model ids, and ARNs that legitimately hold '/' and ':'", () => {
    for (const m of ["anthropic.claude-3-5-haiku-20241022-v1:0", "us.amazon.nova-lite-v1:0", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0"]) {
      ok("bedrock", m);
    }
    for (const m of ["..", "model/../x", "x/y", "arn:aws:bedrock:us-east-1::foundation-model/../../x"]) refused("bedrock", m);
  });

  it("body-only kinds take any printable name, bounded in length", () => {
    for (const m of ["meta-llama/Llama-3.1-8B-Instruct", "llama3.1:8b", "/models/local"]) ok("openai", m);
    for (const m of ["a b", "x\u0000", "x\n", "m".repeat(257)]) refused("openai", m);
  });
});

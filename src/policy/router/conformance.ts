// Conformance vectors of the `router` slot: what any router module must do to load. They check
// the contract, not a particular rule (authors change the rule): an answer that decodes, with
// only candidate ids, each once; a module that refuses an unknown ABI version; and one shared
// expectation every sensible router meets -- with identical candidates except that one is
// unhealthy, the healthy one is tried first.
import { outputVector, refusalVector, type ConformanceVector } from "../host/conformance.js";
import { decodeRouterOutput, encodeRouterInput, type RouterCandidateInfo, type RouterInput } from "./codec.js";

const candidate = (targetId: string, over: Partial<RouterCandidateInfo> = {}): RouterCandidateInfo => ({
  targetId, healthy: true, latencyEwmaMs: 400, errorRate: 0, priceInputPerMtok: 1, priceOutputPerMtok: 4,
  remainingCapacity: 0, weight: 1, inflight: 0, ...over,
});

const request = (candidates: RouterCandidateInfo[], over: Partial<RouterInput> = {}): RouterInput => ({
  alias: "conformance", tenant: "t", tags: ["team=conformance"], inputTokenEstimate: 120,
  features: { lengthChars: 480, hasCode: false, turns: 1 }, candidates, ...over,
});

function routerVector(name: string, input: RouterInput, expect: (d: ReturnType<typeof decodeRouterOutput>) => string | null): ConformanceVector {
  const ids = input.candidates.map((c) => c.targetId);
  return outputVector(name, encodeRouterInput(input), (output) => decodeRouterOutput(output, ids), expect);
}

export const routerConformance: readonly ConformanceVector[] = [
  routerVector("answers with candidate ids only, each once", request([candidate("a/m1"), candidate("b/m2", { priceInputPerMtok: 3 }), candidate("c/m3")]), (d) =>
    d.targetIds.length > 0 ? null : "no target for three healthy candidates"),
  routerVector("one healthy candidate is routed to", request([candidate("only/m")]), (d) =>
    d.targetIds[0] === "only/m" ? null : `got ${JSON.stringify(d.targetIds)}, want only/m first`),
  routerVector("a healthy candidate goes before an unhealthy twin", request([candidate("down/m", { healthy: false }), candidate("up/m")]), (d) =>
    d.targetIds[0] === "up/m" ? null : `got ${JSON.stringify(d.targetIds)}, want up/m first`),
  routerVector("a code prompt with no candidates gets an empty answer", request([], { features: { lengthChars: 9000, hasCode: true, turns: 3 } }), (d) =>
    d.targetIds.length === 0 ? null : `got ${JSON.stringify(d.targetIds)} for no candidates`),
  refusalVector("refuses an unknown ABI version", encodeRouterInput(request([candidate("a/m1")]), 99), "accepted abi_version 99"),
];

// RouterRouteInput / RouterRouteOutput <-> plain TypeScript values (protobuf-es), with the
// contract checks that turn a module's garbage into a typed failure: bytes that do not decode,
// a wrong ABI version, a target id that is not a candidate, or one listed twice.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { RouterRouteInputSchema, RouterRouteOutputSchema } from "../gen/sluice/policy/v1/policy_pb.js";
import { PolicyCallError } from "./errors.js";

export const ROUTER_ABI_VERSION = 1;
/** The modules' fixed table size (policy-wasm/router/assembly/table.ts). */
export const ROUTER_MAX_CANDIDATES = 64;
const MAX_REASON_CHARS = 300;

export interface RouterCandidateInfo {
  /** Unique within the request: `<provider id>/<model>` as the route phase builds it. */
  targetId: string;
  healthy: boolean;
  /** EWMA of time to first token, ms (0: not known yet). */
  latencyEwmaMs: number;
  /** EWMA failure rate, 0..1. */
  errorRate: number;
  /** USD per 1M tokens (0: not priced). */
  priceInputPerMtok: number;
  priceOutputPerMtok: number;
  /** What the target can still take this window (0: unknown). */
  remainingCapacity: number;
  weight: number;
  inflight: number;
}

export interface RouterFeatures {
  /** Characters (UTF-16 code units) of every text part. */
  lengthChars: number;
  /** Code fences or code-like lines in the prompt. */
  hasCode: boolean;
  /** User messages. */
  turns: number;
}

export interface RouterInput {
  alias: string;
  tenant: string;
  /** `key=value` per tag. */
  tags: readonly string[];
  inputTokenEstimate: number;
  features: RouterFeatures;
  candidates: readonly RouterCandidateInfo[];
}

export interface RouterDecoded {
  /** Candidate ids in the order to try; candidates left out are not tried. */
  targetIds: string[];
  reason: string;
}

const u32 = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), 0xffff_ffff) : 0);

export function encodeRouterInput(input: RouterInput, abiVersion = ROUTER_ABI_VERSION): Uint8Array {
  return toBinary(
    RouterRouteInputSchema,
    create(RouterRouteInputSchema, {
      abiVersion,
      alias: input.alias,
      tenant: input.tenant,
      tags: [...input.tags],
      inputTokenEstimate: u32(input.inputTokenEstimate),
      features: { lengthChars: u32(input.features.lengthChars), hasCode: input.features.hasCode, turns: u32(input.features.turns) },
      candidates: input.candidates.map((c) => ({
        targetId: c.targetId,
        healthy: c.healthy,
        latencyEwmaMs: c.latencyEwmaMs,
        errorRate: c.errorRate,
        priceInputPerMtok: c.priceInputPerMtok,
        priceOutputPerMtok: c.priceOutputPerMtok,
        remainingCapacity: BigInt(Math.max(0, Math.floor(c.remainingCapacity || 0))),
        weight: u32(c.weight),
        inflight: u32(c.inflight),
      })),
    }),
  );
}

function garbage(message: string): PolicyCallError {
  return new PolicyCallError("garbage", `router output: ${message}`);
}

/** Decodes a module's answer; throws PolicyCallError("garbage") when it breaks the contract. */
export function decodeRouterOutput(bytes: Uint8Array, candidateIds: readonly string[]): RouterDecoded {
  let output;
  try {
    output = fromBinary(RouterRouteOutputSchema, bytes);
  } catch (err) {
    throw garbage(`not a RouterRouteOutput (${err instanceof Error ? err.message : String(err)})`);
  }
  if (output.abiVersion !== ROUTER_ABI_VERSION) throw garbage(`abi_version ${output.abiVersion}, expected ${ROUTER_ABI_VERSION}`);
  const seen = new Set<string>();
  for (const id of output.targetIds) {
    if (!candidateIds.includes(id)) throw garbage(`unknown target id ${JSON.stringify(id.slice(0, 100))}`);
    if (seen.has(id)) throw garbage(`target id ${JSON.stringify(id)} listed twice`);
    seen.add(id);
  }
  const reason = output.reason.length > MAX_REASON_CHARS ? `${output.reason.slice(0, MAX_REASON_CHARS)}...` : output.reason;
  return { targetIds: output.targetIds, reason };
}

// The typed API of the `pii` slot for the pipeline:
//   inspect phase: `scan(texts)` once per request over every text part;
//   respond phase: `restorePlaceholders` / `PlaceholderStreamRestorer` with the result's map.
// A module failure never throws into the request path, except as PolicyRefusedError when the
// slot fails closed.
import { errorMessage, PolicyCallError, PolicyRefusedError, type PolicyFailure } from "../host/errors.js";
import type { PolicySlot } from "../host/slot.js";
import { decodePiiOutput, encodePiiInput, type PiiFinding } from "./codec.js";
import { DEFAULT_PII_RULES, type PiiRules } from "./rules.js";

type PiiOutcome =
  | "clean" // nothing found
  | "rewritten" // findings, texts rewritten where the rules say so
  | "blocked" // a type whose rule is `block` was found: refuse the request, naming the types
  | "skipped"; // the module failed and the slot fails open: texts unchanged

export interface PiiScanResult {
  outcome: PiiOutcome;
  texts: string[];
  findings: PiiFinding[];
  /** placeholder -> original, to restore in the response */
  placeholders: Map<string, string>;
  blockedEntityTypes: string[];
  failure: PolicyFailure | null;
  /** Module version that decided (null when none did). */
  version: number | null;
}

export class PiiSlot {
  /** `rules`: the configured entity types and actions (a scan may pass others). */
  constructor(private readonly slot: PolicySlot, readonly rules: PiiRules = DEFAULT_PII_RULES) {}

  async scan(texts: readonly string[], rules: PiiRules = this.rules): Promise<PiiScanResult> {
    const outcome = await this.slot.call(encodePiiInput(texts, rules));
    let failure: PolicyFailure;
    if (outcome.ok) {
      try {
        const decoded = decodePiiOutput(outcome.output, texts);
        const kind = decoded.blockedEntityTypes.length > 0 ? "blocked" : decoded.findings.length > 0 ? "rewritten" : "clean";
        return { outcome: kind, ...decoded, failure: null, version: outcome.version };
      } catch (err) {
        const kind = err instanceof PolicyCallError ? err.kind : "garbage";
        failure = { kind, slot: this.slot.name, message: errorMessage(err) };
      }
    } else failure = outcome.failure;
    if (this.slot.config.failMode === "closed") throw new PolicyRefusedError(failure);
    return {
      outcome: "skipped", texts: [...texts], findings: [], placeholders: new Map(), blockedEntityTypes: [],
      failure, version: outcome.version,
    };
  }
}

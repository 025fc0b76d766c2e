// The typed API of the `guard` slot for the pipeline: one `check(texts)` call per request over
// the text parts of the configured roles; the answer is a score, label and reasons per part and
// whether any part is at or above the threshold. A module failure never throws into the request
// path, except as PolicyRefusedError when the slot fails closed; failing open means "not
// checked" (outcome "skipped").
import { errorMessage, PolicyCallError, PolicyRefusedError, type PolicyFailure } from "../host/errors.js";
import type { PolicySlot } from "../host/slot.js";
import { decodeGuardOutput, encodeGuardInput, type GuardPart, type GuardText } from "./codec.js";

type GuardOutcome =
  | "clean" // every part under the threshold
  | "detected" // at least one part at or above the threshold
  | "skipped"; // the module failed and the slot fails open: not checked

export interface GuardCheckResult {
  outcome: GuardOutcome;
  /** The highest part score (0 when skipped or no texts). */
  score: number;
  /** The label and reasons of the highest-scoring part ("benign" and [] when clean). */
  label: string;
  reasons: string[];
  parts: GuardPart[];
  failure: PolicyFailure | null;
  /** Module version that decided (null when none did). */
  version: number | null;
}

export class GuardSlot {
  constructor(private readonly slot: PolicySlot, readonly threshold: number) {}

  get failMode(): "open" | "closed" {
    return this.slot.config.failMode;
  }

  async check(texts: readonly GuardText[]): Promise<GuardCheckResult> {
    if (texts.length === 0) return { outcome: "clean", score: 0, label: "benign", reasons: [], parts: [], failure: null, version: null };
    const outcome = await this.slot.call(encodeGuardInput(texts, this.threshold));
    let failure: PolicyFailure;
    if (outcome.ok) {
      try {
        const parts = decodeGuardOutput(outcome.output, texts);
        let top: GuardPart = parts[0]!;
        for (const p of parts) if (p.score > top.score) top = p;
        // the host applies the threshold itself: a module's verdict field is advisory
        const detected = top.score >= this.threshold;
        return {
          outcome: detected ? "detected" : "clean", score: top.score, label: detected ? top.label : "benign",
          reasons: detected ? top.reasons : [], parts, failure: null, version: outcome.version,
        };
      } catch (err) {
        const kind = err instanceof PolicyCallError ? err.kind : "garbage";
        failure = { kind, slot: this.slot.name, message: errorMessage(err) };
      }
    } else failure = outcome.failure;
    if (this.slot.config.failMode === "closed") throw new PolicyRefusedError(failure);
    return { outcome: "skipped", score: 0, label: "benign", reasons: [], parts: [], failure, version: outcome.version };
  }
}

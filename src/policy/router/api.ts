// The typed API of the `router` slot for the route phase: one `route(input)` call per request
// with the alias, the caller, prompt features and the live candidate table; the answer is the
// candidate ids in the order to try and a reason. A module failure never throws into the request
// path, except as PolicyRefusedError when the slot fails closed; failing open means "no
// decision" (outcome "skipped"), and the gateway's built-in order is used.
import { errorMessage, PolicyCallError, PolicyRefusedError, type PolicyFailure } from "../host/errors.js";
import type { PolicySlot } from "../host/slot.js";
import { decodeRouterOutput, encodeRouterInput, ROUTER_MAX_CANDIDATES, type RouterInput } from "./codec.js";

type RouterOutcome =
  | "routed" // the module decided: targetIds in order (possibly empty: it excluded every one)
  | "skipped"; // the module failed and the slot fails open: no decision

interface RouterDecision {
  outcome: RouterOutcome;
  targetIds: string[];
  reason: string;
  failure: PolicyFailure | null;
  /** Module version that decided (null when none was loaded). */
  version: number | null;
}

export class RouterSlot {
  private readonly aliases: ReadonlySet<string>;

  /** `aliases`: the aliases the module routes (empty: all of them). */
  constructor(private readonly slot: PolicySlot, aliases: readonly string[] = []) {
    this.aliases = new Set(aliases);
  }

  /** Whether requests for `alias` are routed by the module. */
  applies(alias: string): boolean {
    return this.aliases.size === 0 || this.aliases.has(alias);
  }

  get failMode(): "open" | "closed" {
    return this.slot.config.failMode;
  }

  /** The active module version (null before one is loaded). */
  version(): number | null {
    return this.slot.current()?.version ?? null;
  }

  async route(input: RouterInput): Promise<RouterDecision> {
    let failure: PolicyFailure;
    let version: number | null = null;
    if (input.candidates.length > ROUTER_MAX_CANDIDATES) {
      failure = { kind: "unavailable", slot: this.slot.name, message: `more than ${ROUTER_MAX_CANDIDATES} candidates` };
    } else {
      const ids = input.candidates.map((c) => c.targetId);
      const outcome = await this.slot.call(encodeRouterInput(input));
      version = outcome.version;
      if (outcome.ok) {
        try {
          const decoded = decodeRouterOutput(outcome.output, ids);
          return { outcome: "routed", targetIds: decoded.targetIds, reason: decoded.reason, failure: null, version };
        } catch (err) {
          const kind = err instanceof PolicyCallError ? err.kind : "garbage";
          failure = { kind, slot: this.slot.name, message: errorMessage(err) };
        }
      } else failure = outcome.failure;
    }
    if (this.slot.config.failMode === "closed") throw new PolicyRefusedError(failure);
    return { outcome: "skipped", targetIds: [], reason: "", failure, version };
  }
}

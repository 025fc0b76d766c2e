// PolicyHost: the generic host (host/host.ts: slots, versions, hot swap) over the slot table
// (slots.ts), with the typed API of each slot. What the gateway builds and the pipeline uses.
import { PolicyHostBase, type PolicyHostOptions } from "./host/host.js";
import { GuardSlot } from "./guard/api.js";
import { guardSettings } from "./guard/settings.js";
import type { GuardPolicyConfig } from "../gen/sluice/v1/config_pb.js";
import { PiiSlot } from "./pii/api.js";
import type { PiiRules } from "./pii/rules.js";
import { RouterSlot } from "./router/api.js";
import { SLOT_TABLE } from "./slots.js";
import { TokensSlot } from "./tokens/api.js";

export class PolicyHost extends PolicyHostBase {
  static async start(options: PolicyHostOptions): Promise<PolicyHost> {
    const host = new PolicyHost(options, SLOT_TABLE);
    await host.load();
    return host;
  }

  /** The typed API of the pii slot (rules default to DEFAULT_PII_RULES). */
  pii(rules?: PiiRules): PiiSlot {
    return new PiiSlot(this.slot("pii"), rules);
  }

  /** The typed API of the tokens slot (it follows pushes and rollbacks of the slot). */
  tokens(): TokensSlot {
    return new TokensSlot(this.slot("tokens"));
  }

  /** The typed API of the guard slot (`config`: `policies.guard`, for its threshold). */
  guard(config?: GuardPolicyConfig): GuardSlot {
    return new GuardSlot(this.slot("guard"), guardSettings(config).threshold);
  }

  /** The typed API of the router slot (`aliases`: the aliases it routes; empty: all). */
  router(aliases?: readonly string[]): RouterSlot {
    return new RouterSlot(this.slot("router"), aliases);
  }
}

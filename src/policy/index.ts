// The policy folder's public surface: WASM policy modules in sandboxed slots (DESIGN.md, "WASM
// policy core"). The rest of Sluice imports the folder only through this file; inside it, host/
// is the generic host and pii/, guard/, router/, tokens/ hold one slot each (README.md).

// the host, its slots and their configuration
export { PolicyHost } from "./policy-host.js";
export { SLOT_DEFINITIONS, DEFAULT_SLOT_CONFIG, slotInitFromConfig } from "./slots.js";
export type { SlotName } from "./host/definitions.js";
export { configuredSlots, slotConfig, type ConfiguredSlot } from "./host/from-config.js";
export { PolicyRefusedError, PolicyValidationError } from "./host/errors.js";
export { LocalVersionStore } from "./host/version-store.js";
export type { Activation, ActivationListener, PolicyVersion, VersionStore } from "./host/version-store.js";
export { RedisVersionStore } from "./host/redis-store.js";
export { testPolicyModule } from "./host/validate.js";

// the pii slot
export { PiiSlot } from "./pii/api.js";
export { piiRules, piiScoring, withScoring } from "./pii/rules.js";
export { PlaceholderStreamRestorer } from "./pii/restore.js";

// the guard slot: detection in request texts, and the canary for system-prompt leaks
export { GuardSlot, type GuardCheckResult } from "./guard/api.js";
export type { GuardRole, GuardText } from "./guard/codec.js";
export { guardSettings, type GuardSettings } from "./guard/settings.js";
export { CanaryScanner, newCanary, withCanary } from "./guard/canary.js";

// the router slot
export { RouterSlot } from "./router/api.js";
export type { RouterCandidateInfo } from "./router/codec.js";

// the tokens slot, and what counts with it: chat requests (admit phase, CountTokens) and the
// tokenizer of `sluice tokens`
export { ChatTokenCounter } from "./tokens/chat-count.js";
export { createTokenizer, ENGINE_KINDS, type Tokenizer, type TokenizerEngineKind } from "./tokens/tokenizer.js";
export { ENCODINGS, isEncodingName } from "./tokens/encodings.js";

// The policy folder's public surface: WASM policy modules in sandboxed slots (DESIGN.md, "WASM
// policy core"). The rest of Sluice imports the folder only through this file; inside it, host/
// is the generic host and pii/, router/, tokens/ hold one slot each (README.md).

// the host, its slots and their configuration
export { PolicyHost } from "./policy-host.js";
export { SLOT_DEFINITIONS, DEFAULT_SLOT_CONFIG, policyConfigProblems } from "./slots.js";
export type { SlotName } from "./host/definitions.js";
export { configuredSlots, slotConfig, type ConfiguredSlot } from "./host/from-config.js";
export { PolicyRefusedError, PolicyValidationError } from "./host/errors.js";
export { LocalVersionStore } from "./host/version-store.js";
export type { Activation, ActivationListener, PolicyVersion, VersionStore } from "./host/version-store.js";
export { RedisVersionStore } from "./host/redis-store.js";
export { testPolicyModule } from "./host/validate.js";

// the pii slot
export { PiiSlot } from "./pii/api.js";
export { piiRules } from "./pii/rules.js";
export { PlaceholderStreamRestorer } from "./pii/restore.js";

// the router slot
export { RouterSlot } from "./router/api.js";
export { ROUTER_MAX_CANDIDATES, type RouterCandidateInfo } from "./router/codec.js";

// the tokens slot, and what counts with it: chat requests (admit phase, CountTokens) and the
// tokenizer of `sluice tokens`
export { ChatTokenCounter } from "./tokens/chat-count.js";
export { createTokenizer, ENGINE_KINDS, type Tokenizer, type TokenizerEngineKind } from "./tokens/tokenizer.js";
export { ENCODINGS, isEncodingName } from "./tokens/encodings.js";

// The policy host: WASM policy modules in sandboxed slots (see DESIGN.md, "WASM policy core").
export { PolicyHost, readModuleSource, DEFAULT_BUILTIN_DIR, type PolicyHostOptions } from "./host.js";
export { PolicySlot, type SlotCallOutcome, type ModuleVersionInfo } from "./slot.js";
export { SLOT_DEFINITIONS, DEFAULT_SLOT_CONFIG, ABI_VERSION, type SlotConfig, type SlotName, type FailMode } from "./slots.js";
export { PiiPolicy, type PiiScanResult, type PiiOutcome } from "./pii.js";
export { TokensPolicy, estimateTokens, type TokensCountResult, type TokensEncodeResult } from "./tokens.js";
export { DEFAULT_PII_RULES, PII_ENTITY_TYPES, encodePiiInput, decodePiiOutput, type PiiRules, type PiiActionName, type PiiFinding } from "./pii-codec.js";
export { restorePlaceholders, PlaceholderStreamRestorer } from "./restore.js";
export { RouterPolicy, type RouterDecision, type RouterOutcome } from "./router.js";
export { encodeRouterInput, decodeRouterOutput, type RouterInput, type RouterCandidateInfo, type RouterFeatures } from "./router-codec.js";
export { PolicyRefusedError, PolicyValidationError, type PolicyFailure, type PolicyFailureKind } from "./errors.js";
export { LocalVersionStore, type VersionStore, type PolicyVersion, type Activation } from "./version-store.js";
export { RedisVersionStore } from "./redis-store.js";
export { validateModule, testPolicyModule } from "./validate.js";

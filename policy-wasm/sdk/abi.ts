// The policy ABI version this SDK speaks (proto/sluice/policy/v1/policy.proto, `AbiVersion`).
// Every input carries it; a module refuses an input naming another (ERR_ABI_VERSION), and
// exports `abi_version()` returning it (re-export `abi_version` from the SDK).
export const ABI_VERSION: u32 = 1;

/** The `abi_version` export every module has: `export { abi_version } from "@sluice/policy-sdk";` */
export function abi_version(): i32 { return <i32>ABI_VERSION; }

/** Whether an input's abi_version is one this SDK speaks (0: the field was absent, taken as ours). */
@inline export function abiAccepted(abi: u32): bool { return abi == 0 || abi == ABI_VERSION; }

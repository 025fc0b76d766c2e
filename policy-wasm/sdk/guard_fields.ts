// Field numbers of the policy.proto messages the guard module reads and writes (ABI v1), one
// namespace per message. The one place they are written down on this side: check.ts uses these
// names, and test/unit/policy/codec-fields.test.ts checks every number against the descriptors
// generated from proto/sluice/policy/v1/policy.proto. Wire types: wire.ts.
export namespace GuardCheckInput {
  export const abi_version: u32 = 1;
  export const texts: u32 = 2;
  export const roles: u32 = 3;
  export const threshold: u32 = 4;
}

export namespace GuardCheckOutput {
  export const abi_version: u32 = 1;
  export const verdict: u32 = 2;
  export const score: u32 = 3;
  export const reasons: u32 = 4;
  export const parts: u32 = 5;
}

export namespace GuardPartResult {
  export const text_index: u32 = 1;
  export const score: u32 = 2;
  export const label: u32 = 3;
  export const reasons: u32 = 4;
}

// Field numbers of the policy.proto messages this module reads and writes (ABI v1), one
// namespace per message. The one place they are written down on this side: request.ts uses these
// names, and test/unit/policy/codec-fields.test.ts checks every number against the descriptors
// generated from proto/sluice/policy/v1/policy.proto. Wire types: wire.ts.
export namespace TokensInitInput {
  export const abi_version: u32 = 1;
  export const tables: u32 = 2;
}

export namespace TokensRankTable {
  export const encoding: u32 = 1;
  export const ranks: u32 = 2;
}

export namespace TokensCountInput {
  export const abi_version: u32 = 1;
  export const encoding: u32 = 2;
  export const texts: u32 = 3;
}

export namespace TokensCountOutput {
  export const abi_version: u32 = 1;
  export const counts: u32 = 2;
}

export namespace TokensEncodeOutput {
  export const abi_version: u32 = 1;
  export const texts: u32 = 2;
}

export namespace TokenIds {
  export const ids: u32 = 1;
}

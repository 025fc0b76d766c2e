// Field numbers of the policy.proto messages this module reads and writes (ABI v1), one
// namespace per message. The one place they are written down on this side: the parsers and
// writers use these names, and test/unit/policy/codec-fields.test.ts checks every number against
// the descriptors generated from proto/sluice/policy/v1/policy.proto. Wire types: wire.ts.
export namespace PiiScanInput {
  export const abi_version: u32 = 1;
  export const texts: u32 = 2;
  export const rules: u32 = 3;
  export const context_window: u32 = 4;
}

export namespace PiiRule {
  export const entity_type: u32 = 1;
  export const action: u32 = 2;
  export const min_score: u32 = 3;
}

export namespace PiiScanOutput {
  export const abi_version: u32 = 1;
  export const spans: u32 = 2;
  export const rewrites: u32 = 3;
  export const placeholders: u32 = 4;
  export const blocked_entity_types: u32 = 5;
}

export namespace PiiSpan {
  export const text_index: u32 = 1;
  export const start: u32 = 2;
  export const end: u32 = 3;
  export const entity_type: u32 = 4;
  export const action: u32 = 5;
  export const score: u32 = 6;
}

export namespace PiiRewrite {
  export const text_index: u32 = 1;
  export const text: u32 = 2;
}

export namespace PiiPlaceholder {
  export const placeholder: u32 = 1;
  export const original: u32 = 2;
}

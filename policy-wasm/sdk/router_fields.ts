// Field numbers of the policy.proto messages router modules read and write (ABI v1), one
// namespace per message. The one place they are written down on this side: router.ts uses these names, and
// test/unit/policy/codec-fields.test.ts checks every number against the descriptors generated
// from proto/sluice/policy/v1/policy.proto. Wire types: wire.ts.
export namespace RouterRouteInput {
  export const abi_version: u32 = 1;
  export const alias: u32 = 2;
  export const tenant: u32 = 3;
  export const tags: u32 = 4;
  export const input_token_estimate: u32 = 5;
  export const features: u32 = 6;
  export const candidates: u32 = 7;
}

export namespace RouterPromptFeatures {
  export const length_chars: u32 = 1;
  export const has_code: u32 = 2;
  export const turns: u32 = 3;
}

export namespace RouterCandidate {
  export const target_id: u32 = 1;
  export const healthy: u32 = 2;
  export const latency_ewma_ms: u32 = 3;
  export const error_rate: u32 = 4;
  export const price_input_per_mtok: u32 = 5;
  export const price_output_per_mtok: u32 = 6;
  export const remaining_capacity: u32 = 7;
  export const weight: u32 = 8;
  export const inflight: u32 = 9;
}

export namespace RouterRouteOutput {
  export const abi_version: u32 = 1;
  export const target_ids: u32 = 2;
  export const reason: u32 = 3;
}

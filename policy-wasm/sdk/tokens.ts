// The tokens slot (exports `init`, `count`, optional `encode`; TokensInitInput, TokensCountInput
// -> TokensCountOutput / TokensEncodeOutput). A tokens module must count exactly as tiktoken does
// (the slot's conformance vectors check real counts), so modules are the shipped BPE engine
// (policy-wasm/tokens) or a change to it; the SDK gives them the field numbers (tokens_fields.ts),
// the ABI version, the I/O paths (io.ts: inputLength/copyInput for the module's own input buffer,
// writeOutput) and the wire helpers (wire.ts).
export { TokensInitInput, TokensRankTable, TokensCountInput, TokensCountOutput, TokensEncodeOutput, TokenIds } from "./tokens_fields";
export { inputLength, copyInput, writeOutput } from "./io";

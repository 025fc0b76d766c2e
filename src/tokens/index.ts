export { createTokenizer, createTokensSlot, ENGINE_KINDS, type Tokenizer, type TokenizerOptions, type TokenizerEngineKind } from "./tokenizer.js";
export { ENCODINGS, isEncodingName, type EncodingName } from "./encodings.js";
export { encodingForModel, type ModelEncoding, type ProviderKind } from "./model-encoding.js";

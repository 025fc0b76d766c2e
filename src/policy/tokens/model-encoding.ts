// Which encoding counts tokens for a provider's model, and whether that count is exact.
//
// OpenAI publishes its tokenizers: o200k_base for the GPT-4o / GPT-4.1 / GPT-5 / o-series
// families, cl100k_base for GPT-4, GPT-3.5-turbo and the text-embedding-3 / ada-002 models.
// Anthropic (Claude 3+) and Google (Gemini) publish no tokenizer for current models; their
// token counts are only available from their own count-tokens APIs. For those we count with
// o200k_base, the newest large multilingual BPE we have, and mark the count as an estimate:
// it is used for limits and reservations before dispatch and reconciled with the provider's
// reported usage afterwards. Unknown models (any OpenAI-compatible server: vLLM, Ollama, ...)
// also get an o200k_base estimate.
import type { EncodingName } from "./encodings.js";

/** Provider kinds as named in the config's `providers[].kind`. */
export type ProviderKind =
  | "openai"
  | "azure-openai"
  | "anthropic"
  | "gemini"
  | "bedrock"
  | "openai-compatible"
  | "mock"
  | (string & {});

interface ModelEncoding {
  encoding: EncodingName;
  /** true when the provider bills with exactly this tokenizer; false for an estimate. */
  exact: boolean;
}

const CL100K_MODELS = /^(gpt-4(?!o|\.|-?5)(?:-.*)?|gpt-3\.5-turbo.*|gpt-35-turbo.*|text-embedding-(?:3-small|3-large|ada-002)|davinci-002|babbage-002)$/;
const O200K_MODELS = /^(gpt-4o.*|gpt-4\.1.*|gpt-4\.5.*|gpt-5.*|o1.*|o3.*|o4.*|chatgpt-4o.*|gpt-oss.*|codex-.*)$/;

/** Strips a deployment or vendor prefix ("openai/gpt-4o", "us.anthropic.claude-...") and a date. */
function baseModelName(model: string): string {
  const lower = model.trim().toLowerCase();
  const slash = lower.lastIndexOf("/");
  return slash >= 0 ? lower.slice(slash + 1) : lower;
}

export function encodingForModel(provider: ProviderKind, model: string): ModelEncoding {
  const name = baseModelName(model);
  const openAiFamily = provider === "openai" || provider === "azure-openai" || provider === "openai-compatible" || provider === "mock";
  if (openAiFamily || provider === "bedrock") {
    // Bedrock also serves OpenAI's open-weight gpt-oss models (o200k_base).
    if (O200K_MODELS.test(name)) return { encoding: "o200k_base", exact: true };
    if (CL100K_MODELS.test(name)) return { encoding: "cl100k_base", exact: true };
  }
  return { encoding: "o200k_base", exact: false };
}

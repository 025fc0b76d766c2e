import type { ProviderConfig } from "../gen/sluice/v1/config_pb.js";
import type { AdapterFactory, ProviderAdapter } from "./adapter.js";
import { createAnthropicAdapter } from "./anthropic/adapter.js";
import { createGeminiAdapter } from "./gemini/adapter.js";
import { createMockAdapter } from "./mock/adapter.js";
import { createOpenAIAdapter } from "./openai/adapter.js";

/** Provider kinds, one line each. A config's `providers[].kind` names one of these. */
const factories: Record<string, AdapterFactory> = {
  mock: createMockAdapter,
  openai: createOpenAIAdapter,
  anthropic: createAnthropicAdapter,
  gemini: createGeminiAdapter,
};

export const providerKinds: readonly string[] = Object.keys(factories);

export function createAdapter(config: ProviderConfig): ProviderAdapter {
  const factory = factories[config.kind];
  if (!factory) throw new Error(`unknown provider kind ${config.kind}`);
  return factory(config);
}

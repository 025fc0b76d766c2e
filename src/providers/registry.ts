import type { ProviderConfig } from "../gen/sluice/v1/config_pb.js";
import type { AdapterFactory, ProviderAdapter } from "../core/provider.js";
import { createAnthropicAdapter } from "./anthropic/adapter.js";
import { azureConfigProblem } from "./azure-openai/endpoint.js";
import { createAzureOpenAIAdapter } from "./azure-openai/adapter.js";
import { createBedrockAdapter } from "./bedrock/adapter.js";
import { bedrockConfigProblem } from "./bedrock/settings.js";
import { createGeminiAdapter } from "./gemini/adapter.js";
import { createMockAdapter } from "./mock/adapter.js";
import { createOpenAIAdapter } from "./openai/adapter.js";

interface ProviderKind {
  create: AdapterFactory;
  /** Problems with a provider's config that its kind cares about (checked by `config check`). */
  check?: (config: ProviderConfig) => string | undefined;
}

/** Provider kinds, one line each. A config's `providers[].kind` names one of these. */
const kinds: Record<string, ProviderKind> = {
  mock: { create: createMockAdapter },
  openai: { create: createOpenAIAdapter },
  "azure-openai": { create: createAzureOpenAIAdapter, check: azureConfigProblem },
  anthropic: { create: createAnthropicAdapter },
  gemini: { create: createGeminiAdapter },
  bedrock: { create: createBedrockAdapter, check: bedrockConfigProblem },
};

export const providerKinds: readonly string[] = Object.keys(kinds);

export function createAdapter(config: ProviderConfig): ProviderAdapter {
  const kind = kinds[config.kind];
  if (!kind) throw new Error(`unknown provider kind ${config.kind}`);
  return kind.create(config);
}

/** What is wrong with a provider's config for its kind, if anything. */
export function providerConfigProblem(config: ProviderConfig): string | undefined {
  return kinds[config.kind]?.check?.(config);
}

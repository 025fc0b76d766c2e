import type { ProviderConfig } from "../gen/sluice/v1/config_pb.js";
import type { AdapterFactory, ProviderAdapter } from "../core/provider.js";
import { createAnthropicAdapter } from "./anthropic/adapter.js";
import { azureConfigProblem } from "./azure-openai/endpoint.js";
import { createAzureOpenAIAdapter } from "./azure-openai/adapter.js";
import { bedrockConfigProblem, resolveBedrockSettings } from "./bedrock/settings.js";
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
  bedrock: { create: createBedrockLazily, check: bedrockConfigProblem },
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

/**
 * Bedrock's adapter pulls in the AWS SigV4 and event-stream libraries, ~5-7 MiB of resident
 * memory (bench/RESULTS.md, "Performance"): they load only for a config with a bedrock provider,
 * in the background from the adapter's creation, so its first request does not wait for them.
 * Config problems (no region, no credentials) still fail at creation.
 */
function createBedrockLazily(config: ProviderConfig): ProviderAdapter {
  resolveBedrockSettings(config);
  const adapter = import("./bedrock/adapter.js").then((m) => m.createBedrockAdapter(config));
  adapter.catch(() => undefined); // a failure surfaces on the first call
  return {
    id: config.id,
    kind: "bedrock",
    async *chat(call) {
      yield* (await adapter).chat(call);
    },
    close: async () => (await adapter).close(),
  };
}

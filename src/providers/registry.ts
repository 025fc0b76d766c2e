import type { ProviderConfig } from "../gen/sluice/v1/config_pb.js";
import type { AdapterFactory, ProviderAdapter } from "../core/provider.js";
import { createAnthropicAdapter } from "./anthropic/adapter.js";
import { createAzureOpenAIAdapter } from "./azure-openai/adapter.js";
import { resolveBedrockSettings } from "./bedrock/settings.js";
import { createGeminiAdapter } from "./gemini/adapter.js";
import { createMockAdapter } from "./mock/adapter.js";
import { createOpenAIAdapter } from "./openai/adapter.js";
import type { ProviderKindName } from "./kinds.js";

/** A factory per provider kind (kinds.ts lists the kinds and their config checks): the record's type makes the two lists agree. */
const factories: Record<ProviderKindName, AdapterFactory> = {
  mock: createMockAdapter,
  openai: createOpenAIAdapter,
  "azure-openai": createAzureOpenAIAdapter,
  anthropic: createAnthropicAdapter,
  gemini: createGeminiAdapter,
  bedrock: createBedrockLazily,
};

export function createAdapter(config: ProviderConfig): ProviderAdapter {
  const create = (factories as Record<string, AdapterFactory | undefined>)[config.kind];
  if (!create) throw new Error(`unknown provider kind ${config.kind}`);
  return create(config);
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

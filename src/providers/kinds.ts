import type { ProviderConfig } from "../gen/sluice/v1/config_pb.js";
import { azureConfigProblem } from "./azure-openai/endpoint.js";
import { bedrockConfigProblem } from "./bedrock/settings.js";

/**
 * The provider kinds a config's `providers[].kind` may name, each with the config problems its
 * kind cares about (checked by `config check` and at start-up). Apart from the adapters
 * (registry.ts, which maps every kind here to its factory): checking a config loads no adapter
 * and no HTTP client, so the primary of `sluice serve --workers N`, which checks the config and
 * serves nothing, stays small.
 */
type ConfigCheck = (config: ProviderConfig) => string | undefined;

const checks = {
  mock: undefined,
  openai: undefined,
  "azure-openai": azureConfigProblem,
  anthropic: undefined,
  gemini: undefined,
  bedrock: bedrockConfigProblem,
} satisfies Record<string, ConfigCheck | undefined>;

export type ProviderKindName = keyof typeof checks;

export const providerKinds: readonly string[] = Object.keys(checks);

/** What is wrong with a provider's config for its kind, if anything. */
export function providerConfigProblem(config: ProviderConfig): string | undefined {
  return (checks as Record<string, ConfigCheck | undefined>)[config.kind]?.(config);
}

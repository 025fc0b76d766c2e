import type { ProviderConfig } from "../../gen/sluice/v1/config_pb.js";

/** The GA data-plane version used when the config names none. */
const DEFAULT_AZURE_API_VERSION = "2024-10-21";

export interface AzureEndpoint {
  /** `https://<resource>.openai.azure.com` (no `/openai`, no trailing slash). */
  resourceUrl: string;
  apiVersion: string;
  /** Which body field carries the output-token limit for this api-version. */
  maxTokensField: "max_completion_tokens" | "max_tokens";
  /** Whether this api-version knows `stream_options` (older ones reject unknown arguments). */
  streamOptions: boolean;
}

/**
 * Azure OpenAI addresses a *deployment*, not a model: the target's `model` is the deployment
 * name, and every request goes to
 * `{base_url}/openai/deployments/{deployment}/chat/completions?api-version={api_version}`.
 * `base_url` is the resource endpoint; one pasted with a trailing `/openai` or `/` works too.
 *
 * Output-token limit: api-versions from 2024-09-01(-preview) on take `max_completion_tokens`
 * (which reasoning models require, and every chat model accepts); older ones only know
 * `max_tokens`. `stream_options` (asked for so streams report usage) exists from 2024-07-01 on.
 * Versions that are not dates ("preview", "latest") are the newest and take both.
 */
export function resolveAzureEndpoint(config: ProviderConfig): AzureEndpoint {
  if (!config.baseUrl) {
    throw new Error(`provider ${config.id} (azure-openai): base_url is required (the resource endpoint, https://<resource>.openai.azure.com)`);
  }
  let url: URL;
  try {
    url = new URL(config.baseUrl);
  } catch {
    throw new Error(`provider ${config.id} (azure-openai): base_url ${JSON.stringify(config.baseUrl)} is not a URL`);
  }
  const path = url.pathname.replace(/\/+$/, "").replace(/\/openai$/, "");
  const apiVersion = config.apiVersion || DEFAULT_AZURE_API_VERSION;
  const date = /^\d{4}-\d{2}-\d{2}/.exec(apiVersion)?.[0];
  return {
    resourceUrl: url.origin + path,
    apiVersion,
    maxTokensField: date === undefined || date >= "2024-09-01" ? "max_completion_tokens" : "max_tokens",
    streamOptions: date === undefined || date >= "2024-07-01",
  };
}

/** The request path (below `resourceUrl`) of a deployment's chat completions. */
export function chatCompletionsPath(deployment: string, apiVersion: string): string {
  return `/openai/deployments/${encodeURIComponent(deployment)}/chat/completions?api-version=${encodeURIComponent(apiVersion)}`;
}

/** For config validation (`sluice config check`): the problem `resolveAzureEndpoint` would throw, if any. */
export function azureConfigProblem(config: ProviderConfig): string | undefined {
  try {
    resolveAzureEndpoint(config);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

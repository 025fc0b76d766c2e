import type { ProviderConfig } from "../../gen/sluice/v1/config_pb.js";
import type { AwsCredentials } from "./sign.js";

/** What a Bedrock adapter needs from its config, resolved and checked once, at creation. */
export interface BedrockSettings {
  /** Origin (and optional base path) requests go to. */
  endpoint: string;
  /** The region requests are signed for. */
  region: string;
  credentials: AwsCredentials;
}

/** Bedrock's signing name: the endpoint is `bedrock-runtime`, but requests are signed for `bedrock`. */
export const BEDROCK_SIGNING_SERVICE = "bedrock";

/**
 * - endpoint: `base_url` if set (VPC endpoints, proxies, tests), else
 *   `https://bedrock-runtime.{region}.amazonaws.com`.
 * - region: `region`; without it, the region named in an AWS `base_url` host
 *   (`bedrock-runtime.eu-west-1.amazonaws.com`, `vpce-....bedrock-runtime.eu-west-1.vpce.amazonaws.com`).
 * - credentials: `aws.access_key_id` / `aws.secret_access_key` / `aws.session_token`, else the
 *   environment's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
 * Throws an Error naming the provider and the missing field, so a bad config fails at start.
 */
export function resolveBedrockSettings(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): BedrockSettings {
  const who = `provider ${config.id} (bedrock)`;
  const region = config.region || (config.baseUrl ? regionFromHost(config.baseUrl) : undefined);
  if (!region) {
    throw new Error(
      config.baseUrl
        ? `${who}: region is required (base_url ${config.baseUrl} does not name an AWS region to sign for)`
        : `${who}: region is required (e.g. region: us-east-1)`,
    );
  }
  if (!/^[a-z0-9-]+$/.test(region)) throw new Error(`${who}: region ${JSON.stringify(region)} is not an AWS region name`);
  const aws = config.aws;
  const fromConfig = Boolean(aws?.accessKeyId || aws?.secretAccessKey);
  const accessKeyId = fromConfig ? aws!.accessKeyId : (env.AWS_ACCESS_KEY_ID ?? "");
  const secretAccessKey = fromConfig ? aws!.secretAccessKey : (env.AWS_SECRET_ACCESS_KEY ?? "");
  const sessionToken = fromConfig ? aws!.sessionToken : (env.AWS_SESSION_TOKEN ?? "");
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      fromConfig
        ? `${who}: aws.access_key_id and aws.secret_access_key must both be set`
        : `${who}: no AWS credentials: set aws.access_key_id and aws.secret_access_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment`,
    );
  }
  return {
    endpoint: config.baseUrl || `https://bedrock-runtime.${region}.amazonaws.com`,
    region,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
  };
}

function regionFromHost(baseUrl: string): string | undefined {
  let host: string;
  try {
    host = new URL(baseUrl).hostname;
  } catch {
    return undefined;
  }
  return /(?:^|\.)bedrock-runtime(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\./.exec(host)?.[1];
}

/** For config validation (`sluice config check`): the problem `resolveBedrockSettings` would throw, if any. */
export function bedrockConfigProblem(config: ProviderConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    resolveBedrockSettings(config, env);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

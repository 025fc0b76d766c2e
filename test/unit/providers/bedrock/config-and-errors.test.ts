import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ProviderConfigSchema } from "../../../../src/gen/sluice/v1/config_pb.js";
import { fromBedrockHttpError } from "../../../../src/providers/bedrock/errors.js";
import { bedrockConfigProblem, resolveBedrockSettings } from "../../../../src/providers/bedrock/settings.js";

const config = (init: object) => create(ProviderConfigSchema, { id: "br", kind: "bedrock", ...init } as never);
const creds = { aws: { accessKeyId: "AKID", secretAccessKey: "SECRET" } };

describe("bedrock settings", () => {
  it("defaults the endpoint from the region", () => {
    const s = resolveBedrockSettings(config({ region: "eu-central-1", ...creds }), {});
    expect(s).toEqual({ endpoint: "https://bedrock-runtime.eu-central-1.amazonaws.com", region: "eu-central-1", credentials: { accessKeyId: "AKID", secretAccessKey: "SECRET" } });
  });

  it("takes the region from an AWS base_url when none is configured", () => {
    expect(resolveBedrockSettings(config({ baseUrl: "https://bedrock-runtime.ap-southeast-2.amazonaws.com", ...creds }), {}).region).toBe("ap-southeast-2");
    expect(resolveBedrockSettings(config({ baseUrl: "https://vpce-0a1b.bedrock-runtime.us-gov-west-1.vpce.amazonaws.com", ...creds }), {}).region).toBe("us-gov-west-1");
  });

  it("fails at creation without a region, naming the provider and the field", () => {
    expect(() => resolveBedrockSettings(config({ ...creds }), {})).toThrow(/provider br \(bedrock\): region is required/);
    expect(() => resolveBedrockSettings(config({ baseUrl: "http://127.0.0.1:9000", ...creds }), {})).toThrow(/region is required/);
  });

  it("reads credentials from the environment when the config has none, and fails clearly without any", () => {
    const env = { AWS_ACCESS_KEY_ID: "AKENV", AWS_SECRET_ACCESS_KEY: "SENV", AWS_SESSION_TOKEN: "TENV" };
    expect(resolveBedrockSettings(config({ region: "us-east-1" }), env).credentials).toEqual({ accessKeyId: "AKENV", secretAccessKey: "SENV", sessionToken: "TENV" });
    expect(() => resolveBedrockSettings(config({ region: "us-east-1" }), {})).toThrow(/no AWS credentials/);
    expect(() => resolveBedrockSettings(config({ region: "us-east-1", aws: { accessKeyId: "only-id" } }), env)).toThrow(/must both be set/);
  });

  it("offers the same checks as data for config validation", () => {
    expect(bedrockConfigProblem(config({ region: "us-east-1", ...creds }), {})).toBeUndefined();
    expect(bedrockConfigProblem(config({ ...creds }), {})).toMatch(/region is required/);
  });
});

describe("bedrock HTTP errors", () => {
  const err = (status: number, type: string, message: string, retryAfter?: string) =>
    fromBedrockHttpError("br", status, JSON.stringify({ message }), `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, retryAfter);

  it("maps through the status table with the error type and message", () => {
    expect(err(429, "ThrottlingException", "Too many requests", "3")).toMatchObject({ code: "rate_limited", message: "br: ThrottlingException: Too many requests", retryAfterS: 3 });
    expect(err(400, "ValidationException", "maxTokens too big")).toMatchObject({ code: "upstream_rejected", message: "br: ValidationException: maxTokens too big" });
    expect(err(503, "ServiceUnavailableException", "busy").code).toBe("upstream_unavailable");
    expect(err(408, "ModelTimeoutException", "slow").code).toBe("upstream_timeout");
  });

  it("does not pass credential problems on to the client", () => {
    const e = err(403, "AccessDeniedException", "User arn:aws:iam::123:user/x is not authorized");
    expect(e.code).toBe("upstream_unavailable");
    expect(e.message).not.toContain("arn:aws");
  });

  it("treats a service quota as a rate limit", () => {
    expect(err(400, "ServiceQuotaExceededException", "quota").code).toBe("rate_limited");
  });
});

import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ProviderConfigSchema } from "../../../../src/gen/sluice/v1/config_pb.js";
import { azureConfigProblem, chatCompletionsPath, resolveAzureEndpoint } from "../../../../src/providers/azure-openai/endpoint.js";

const config = (init: object) => create(ProviderConfigSchema, { id: "az", kind: "azure-openai", ...init } as never);

describe("azure endpoint", () => {
  it("defaults api-version to 2024-10-21, which takes max_completion_tokens and stream_options", () => {
    expect(resolveAzureEndpoint(config({ baseUrl: "https://acme.openai.azure.com" }))).toEqual({
      resourceUrl: "https://acme.openai.azure.com",
      apiVersion: "2024-10-21",
      maxTokensField: "max_completion_tokens",
      streamOptions: true,
    });
  });

  it("accepts a base_url pasted with /openai or a trailing slash", () => {
    expect(resolveAzureEndpoint(config({ baseUrl: "https://acme.openai.azure.com/openai/" })).resourceUrl).toBe("https://acme.openai.azure.com");
    expect(resolveAzureEndpoint(config({ baseUrl: "https://gw.example.com/azure/" })).resourceUrl).toBe("https://gw.example.com/azure");
  });

  it("uses max_tokens (and no stream_options) for api-versions that predate them", () => {
    expect(resolveAzureEndpoint(config({ baseUrl: "https://a.openai.azure.com", apiVersion: "2024-06-01" }))).toMatchObject({ maxTokensField: "max_tokens", streamOptions: false });
    expect(resolveAzureEndpoint(config({ baseUrl: "https://a.openai.azure.com", apiVersion: "2024-08-01-preview" }))).toMatchObject({ maxTokensField: "max_tokens", streamOptions: true });
    expect(resolveAzureEndpoint(config({ baseUrl: "https://a.openai.azure.com", apiVersion: "2024-09-01-preview" }))).toMatchObject({ maxTokensField: "max_completion_tokens" });
    expect(resolveAzureEndpoint(config({ baseUrl: "https://a.openai.azure.com", apiVersion: "preview" }))).toMatchObject({ maxTokensField: "max_completion_tokens", streamOptions: true });
  });

  it("requires base_url, with a message naming the provider", () => {
    expect(() => resolveAzureEndpoint(config({}))).toThrow(/provider az \(azure-openai\): base_url is required/);
    expect(() => resolveAzureEndpoint(config({ baseUrl: "not a url" }))).toThrow(/is not a URL/);
    expect(azureConfigProblem(config({}))).toMatch(/base_url is required/);
    expect(azureConfigProblem(config({ baseUrl: "https://a.openai.azure.com" }))).toBeUndefined();
  });

  it("puts the deployment (encoded) and the api-version in the path", () => {
    expect(chatCompletionsPath("gpt-4o prod/eu", "2024-10-21")).toBe("/openai/deployments/gpt-4o%20prod%2Feu/chat/completions?api-version=2024-10-21");
  });
});

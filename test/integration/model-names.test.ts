import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { hashApiKey } from "../../src/limits/keys.js";
import { startTestGateway } from "../support/gateway.js";
import { listenLoopback, sendJson } from "../support/fake-upstream.js";

/**
 * Issue 21, item 9: a provider model name named directly (`<provider>/<model>`) must never step
 * out of its URL path segment at the provider (sent with the provider's credentials). One fake
 * upstream records the raw path of every request it gets (and answers 404): the hostile names
 * never reach it, the legitimate ones reach it at the expected path.
 */
const KEYS = { narrow: "sk-narrow-0001", wide: "sk-wide-0001" };
let paths: string[] = [];
let upstream: { origin: string; close(): Promise<void> };
let gateway: RunningGateway;

beforeAll(async () => {
  const server = http.createServer(async (req, res) => {
    for await (const _ of req);
    paths.push(req.url ?? "");
    sendJson(res, 404, JSON.stringify({ error: { code: 404, message: "recorded", status: "NOT_FOUND" } }));
  });
  upstream = await listenLoopback(server);
  gateway = await startTestGateway(`
providers:
  - { id: gem, kind: gemini, base_url: "${upstream.origin}/v1beta", api_key: gemini-secret }
  - { id: az, kind: azure-openai, base_url: "${upstream.origin}", api_key: azure-secret }
  - id: aws
    kind: bedrock
    base_url: "${upstream.origin}"
    region: us-east-1
    aws: { access_key_id: AKIDMODELNAMES, secret_access_key: model/names/secret }
routing:
  retries_per_target: 0
tenants:
  - id: narrow
    keys: [ { id: n1, hash: "${hashApiKey(KEYS.narrow)}" } ]
    models: [ "gem/gemini-2.0-*" ]
  - id: wide
    keys: [ { id: w1, hash: "${hashApiKey(KEYS.wide)}" } ]
`);
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

async function chat(key: string, model: string): Promise<{ status: number; error: { code?: string; param?: string } | undefined }> {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }] }),
  });
  const body = (await res.json()) as { error?: { code?: string; param?: string } };
  return { status: res.status, error: body.error };
}

describe("provider model names cannot traverse the provider's URL", () => {
  it("a tenant limited to gem/gemini-2.0-*: the issue's names are refused as unknown and never reach the upstream", async () => {
    paths = [];
    for (const model of [
      "gem/gemini-2.5-pro",
      "gem/gemini-2.0-x/../gemini-2.5-pro",
      "gem/gemini-2.0-x/../../../v1/models/gemini-2.5-pro",
    ]) {
      const r = await chat(KEYS.narrow, model);
      expect(r.status, model).toBe(404);
      expect(r.error?.code, model).toBe("model_not_found");
    }
    // Within the glob, but `%`, `/` and `..` are not in a Gemini model name.
    const encoded = await chat(KEYS.narrow, "gem/gemini-2.0-x%2F..%2Fgemini-2.5-pro");
    expect(encoded.status).toBe(400);
    expect(encoded.error).toMatchObject({ code: "invalid_request", param: "model" });
    expect(paths).toEqual([]);
    // The glob still admits what it names.
    const ok = await chat(KEYS.narrow, "gem/gemini-2.0-flash");
    expect(ok.error?.code).toBe("upstream_rejected"); // the recorder's 404
    expect(paths).toEqual(["/v1beta/models/gemini-2.0-flash:generateContent"]);
  });

  it("a tenant with every model: names that would leave their path segment get 400 invalid_request on `model`", async () => {
    paths = [];
    for (const model of [
      "gem/gemini-2.0-x/../gemini-2.5-pro",
      "gem/../../../v1/models/gemini-2.5-pro",
      "gem/gemini-2.0-x%2F..%2Fgemini-2.5-pro",
      "gem/..",
      "gem/gemini?alt=x",
      "gem/tunedModels/../models/x",
      "az/../../deployments/other",
      "az/dep/../other",
      "az/..",
      "aws/..",
      "aws/model/../other",
      "aws/arn:aws:bedrock:us-east-1::foundation-model/../../x",
    ]) {
      const r = await chat(KEYS.wide, model);
      expect(r.status, model).toBe(400);
      expect(r.error, model).toMatchObject({ code: "invalid_request", param: "model" });
    }
    expect(paths).toEqual([]);
  });

  it("legitimate names still reach the provider, each in its own encoded path segment", async () => {
    paths = [];
    await chat(KEYS.wide, "gem/gemini-2.5-pro");
    await chat(KEYS.wide, "gem/tunedModels/my-model-1");
    await chat(KEYS.wide, "az/gpt-4o-prod");
    await chat(KEYS.wide, "aws/anthropic.claude-3-5-haiku-20241022-v1:0");
    await chat(KEYS.wide, "aws/arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0");
    expect(paths).toEqual([
      "/v1beta/models/gemini-2.5-pro:generateContent",
      "/v1beta/tunedModels/my-model-1:generateContent",
      "/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21",
      "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse",
      "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse",
    ]);
  });
});

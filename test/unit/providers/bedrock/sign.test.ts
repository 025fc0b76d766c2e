import { describe, expect, it } from "vitest";
import { AwsRequestSigner } from "../../../../src/providers/bedrock/sign.js";
import { verifySigV4 } from "../../../support/fake-bedrock.js";

/**
 * SigV4 through the adapter's signer, checked two independent ways: against signatures AWS
 * publishes in its SigV4 test suite (aws-sig-v4-test-suite: get-vanilla, post-vanilla,
 * get-vanilla-query-order-key-case), and against a verifier written from the specification
 * with node:crypto (test/support/fake-bedrock.ts, `verifySigV4`) for real Bedrock requests.
 */
const EXAMPLE = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const EXAMPLE_DATE = new Date("2015-08-30T12:36:00Z");
const SCOPE = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

describe("SigV4: AWS's published test-suite signatures", () => {
  const signer = new AwsRequestSigner({ service: "service", region: "us-east-1", credentials: EXAMPLE });
  const cases = [
    ["get-vanilla", "GET", "https://example.amazonaws.com/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"],
    ["post-vanilla", "POST", "https://example.amazonaws.com/", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"],
    ["get-vanilla-query-order-key-case", "GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"],
  ] as const;
  for (const [name, method, url, signature] of cases) {
    it(name, async () => {
      const headers = await signer.sign({ method, url: new URL(url), headers: {} }, EXAMPLE_DATE);
      expect(headers["x-amz-date"]).toBe("20150830T123600Z");
      expect(headers.host).toBe("example.amazonaws.com");
      expect(headers.authorization).toBe(`AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=host;x-amz-date, Signature=${signature}`);
    });
  }

  it("a different secret gives a different signature (the check can fail)", async () => {
    const other = new AwsRequestSigner({ service: "service", region: "us-east-1", credentials: { ...EXAMPLE, secretAccessKey: "x" } });
    const headers = await other.sign({ method: "GET", url: new URL("https://example.amazonaws.com/"), headers: {} }, EXAMPLE_DATE);
    expect(headers.authorization).not.toContain("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  });
});

describe("SigV4: Bedrock requests against an independent verifier", () => {
  const credentials = { accessKeyId: "AKIDBEDROCKTEST", secretAccessKey: "bedrock/test/secret+key" };
  const body = JSON.stringify({ messages: [{ role: "user", content: [{ text: "héllo ✓" }] }] });

  async function signAndVerify(opts: { region: string; sessionToken?: string; path: string; host?: string }) {
    const signer = new AwsRequestSigner({ service: "bedrock", region: opts.region, credentials: { ...credentials, ...(opts.sessionToken ? { sessionToken: opts.sessionToken } : {}) } });
    const url = new URL(`https://${opts.host ?? `bedrock-runtime.${opts.region}.amazonaws.com`}${opts.path}`);
    const headers = await signer.sign({ method: "POST", url, headers: { "content-type": "application/json", accept: "application/vnd.amazon.eventstream" }, body });
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    return { headers: lower, check: verifySigV4({ method: "POST", rawPath: url.pathname + url.search, headers: lower, body }, { ...credentials, region: opts.region, service: "bedrock" }) };
  }

  it("signs a ConverseStream request for the bedrock service in its region", async () => {
    const { headers, check } = await signAndVerify({ region: "eu-west-3", path: "/model/amazon.nova-lite-v1%3A0/converse-stream" });
    expect(check).toEqual({ valid: true, service: "bedrock", region: "eu-west-3" });
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDBEDROCKTEST\/\d{8}\/eu-west-3\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/);
  });

  it("encodes a model id's ':' twice in the canonical path, as AWS does (an ARN's '/' too)", async () => {
    const arn = encodeURIComponent("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0");
    const { check } = await signAndVerify({ region: "us-east-1", path: `/model/${arn}/converse` });
    expect(check.valid).toBe(true);
  });

  it("signs the session token of temporary credentials", async () => {
    const { headers, check } = await signAndVerify({ region: "us-west-2", sessionToken: "FwoGZXIvYXdzEBYaDTOKEN", path: "/model/m/converse" });
    expect(headers["x-amz-security-token"]).toBe("FwoGZXIvYXdzEBYaDTOKEN");
    expect(headers.authorization).toContain("x-amz-security-token");
    expect(check.valid).toBe(true);
  });

  it("signs a non-default port into host (loopback endpoints, proxies)", async () => {
    const { headers, check } = await signAndVerify({ region: "us-east-1", host: "127.0.0.1:4599", path: "/model/m/converse" });
    expect(headers.host).toBe("127.0.0.1:4599");
    expect(check.valid).toBe(true);
  });

  it("the verifier rejects a tampered body, region or service", async () => {
    const { headers } = await signAndVerify({ region: "eu-west-3", path: "/model/m/converse" });
    const req = { method: "POST", rawPath: "/model/m/converse", headers };
    expect(verifySigV4({ ...req, body: body + " " }, { ...credentials, region: "eu-west-3", service: "bedrock" }).valid).toBe(false);
    expect(verifySigV4({ ...req, body }, { ...credentials, region: "us-east-1", service: "bedrock" }).valid).toBe(false);
    expect(verifySigV4({ ...req, body }, { ...credentials, region: "eu-west-3", service: "bedrock-runtime" }).valid).toBe(false);
  });
});

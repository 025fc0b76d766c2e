import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";

/**
 * Issue 22 through the gateway: `policies.pii.entities` turns on more types with their default
 * action, `min_score` and the context words decide which weak matches count, and what the
 * upstream receives is rewritten accordingly (the real pii-hostio module; needs `npm run build`).
 */
let upstream: FakeOpenAI;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway(`
providers: [ { id: fake, kind: openai, base_url: "${upstream.url}" } ]
models: [ { alias: echo, targets: [ { provider: fake, model: echo } ] } ]
policies:
  pii:
    entities: [default, IN_AADHAAR, DE_PLZ, UK_PASSPORT]
    actions: { TR_NATIONAL_ID: mask }
    min_score: { UK_PASSPORT: 0 }
`);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

async function sent(content: string): Promise<string> {
  await client.chat.completions.create({ model: "echo", messages: [{ role: "user", content }] });
  return upstream.requests.at(-1)!.body.messages[0].content as string;
}

describe("PII entity types from config", () => {
  it("types turned on by entities get their default action; actions win", async () => {
    expect(await sent("aadhaar 3998 7654 3211, tc 36493665440, mail jane@example.com")).toBe(
      "aadhaar [IN_AADHAAR], tc *******5440, mail <EMAIL_1>",
    );
  });

  it("a weak type counts only with a context word, unless its min_score is lowered", async () => {
    expect(await sent("order 10115 shipped")).toBe("order 10115 shipped");
    expect(await sent("PLZ 10115 Berlin")).toBe("PLZ [DE_PLZ] Berlin");
    expect(await sent("ref AB1234567 sent")).toBe("ref [UK_PASSPORT] sent");
  });

  it("types not named stay off", async () => {
    expect(await sent("code 12345678902 and KA53ME3456")).toBe("code 12345678902 and KA53ME3456");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_TEST_TIMEOUT_MS } from "../support/process.js";
import OpenAI from "openai";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";

/**
 * The shipped `pii` WASM module in the request path (needs `npm run build:wasm`): a prompt with
 * an email and a card number reaches the upstream with placeholders, and the client gets the
 * original values back, whole and streamed; a secret refuses the request naming its type.
 */
let upstream: FakeOpenAI;
let gateway: RunningGateway;
let client: OpenAI;
const EMAIL = "jane.doe@example.com";
const CARD = "4111 1111 1111 1111";
const prompt = `Write to ${EMAIL} that card ${CARD} was charged.`;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway(`
providers: [ { id: fake, kind: openai, base_url: "${upstream.url}" } ]
models: [ { alias: echo, targets: [ { provider: fake, model: echo } ] } ]
policies:
  pii:
    actions: { EMAIL_ADDRESS: placeholder, CREDIT_CARD: placeholder, US_SSN: redact, AWS_ACCESS_KEY: block }
`);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe("PII policy end to end", () => {
  it("sends placeholders upstream and restores the originals in a whole answer", async () => {
    const res = await client.chat.completions.create({ model: "echo", messages: [{ role: "user", content: prompt }] });
    const sent = upstream.requests.at(-1)!.body.messages[0].content as string;
    expect(sent).not.toContain(EMAIL);
    expect(sent).not.toContain("4111");
    expect(sent).toMatch(/<EMAIL_ADDRESS_1>|<EMAIL_1>/);
    expect(res.choices[0]!.message.content).toBe(prompt); // the echo, with the values restored
  });

  it("restores placeholders in a streamed answer, whatever the chunking", async () => {
    const stream = await client.chat.completions.create({ model: "echo", stream: true, messages: [{ role: "user", content: prompt }] });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(prompt);
  });

  it("redacts what is configured to be redacted (not restored)", async () => {
    const res = await client.chat.completions.create({ model: "echo", messages: [{ role: "user", content: "my ssn is 078-05-1120 ok" }] });
    expect(res.choices[0]!.message.content).not.toContain("078-05-1120");
    expect(upstream.requests.at(-1)!.body.messages[0].content).toContain("[US_SSN]");
  });

  it("refuses a request carrying a blocked type, naming the type and never the value", async () => {
    const secret = "AKIAIOSFODNN7EXAMPLE";
    const before = upstream.requests.length;
    const err = await client.chat.completions.create({ model: "echo", messages: [{ role: "user", content: `key ${secret}` }] }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error.code).toBe("policy_blocked");
    expect(err.error.message).toContain("AWS_ACCESS_KEY");
    expect(err.error.message).not.toContain(secret);
    expect(upstream.requests.length).toBe(before); // never sent
  });
});

describe("policy hot swap through the admin API and the CLI", () => {
  it("test, push, list and roll back a module; behaviour changes from the next request on", async () => {
    const { hashApiKey } = await import("../../src/limits/keys.js");
    const { runSluice } = await import("../support/process.js");
    const { fileURLToPath } = await import("node:url");
    const ADMIN = "sk-sluice-policy-admin";
    const up = await startFakeOpenAI();
    const gw = await startTestGateway(`
admin: { keys: [ { id: ops, hash: "${hashApiKey(ADMIN)}" } ] }
providers: [ { id: fake, kind: openai, base_url: "${up.url}" } ]
models: [ { alias: echo, targets: [ { provider: fake, model: echo } ] } ]
policies: { pii: { actions: { PHONE_NUMBER: redact, EMAIL_ADDRESS: redact } } }
`);
    const env = { SLUICE_URL: gw.url, SLUICE_ADMIN_KEY: ADMIN };
    const testdata = fileURLToPath(new URL("../../dist/policy-wasm/testdata/", import.meta.url));
    const ask = async () => {
      const c = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
      await c.chat.completions.create({ model: "echo", messages: [{ role: "user", content: "call +1 415 555 0132 or mail a@b.io" }] });
      return up.requests.at(-1)!.body.messages[0].content as string;
    };
    try {
      expect(await ask()).toBe("call [PHONE_NUMBER] or mail [EMAIL_ADDRESS]");

      const bad = runSluice(["policy", "test", "pii", testdata + "overcap.wasm"]);
      expect(await bad.exited).toBe(1);
      expect(bad.err()).toContain("rejected for slot pii");
      const good = runSluice(["policy", "test", "pii", testdata + "pii-no-phone.wasm"]);
      expect(await good.exited).toBe(0);

      const push = runSluice(["policy", "push", "pii", testdata + "pii-no-phone.wasm", "--note", "no phones"], env);
      expect(await push.exited).toBe(0);
      expect(push.out()).toMatch(/pushed pii version 2/); // version 1 is the built-in module
      expect(await ask()).toBe("call +1 415 555 0132 or mail [EMAIL_ADDRESS]"); // the new module

      const rejected = runSluice(["policy", "push", "pii", testdata + "nomax.wasm"], env);
      expect(await rejected.exited).toBe(1);
      expect(rejected.err()).toContain("policy module rejected");

      const list = runSluice(["policy", "list", "pii"], env);
      expect(await list.exited).toBe(0);
      expect(list.out()).toMatch(/active: 2\n/);
      expect(list.out()).toMatch(/\n2\t[0-9a-f]{16}\t\d+ B\t.*\tno phones/);

      const back = runSluice(["policy", "rollback", "pii"], env);
      expect(await back.exited).toBe(0);
      expect(back.out()).toMatch(/pii: version 1 active/);
      expect(await ask()).toBe("call [PHONE_NUMBER] or mail [EMAIL_ADDRESS]"); // the built-in again
    } finally {
      await gw.close();
      await up.close();
    }
  }, CLI_TEST_TIMEOUT_MS);
});

describe("policy hot swap across replicas", () => {
  it("two gateway processes sharing Redis both switch after one push", { timeout: 90_000 }, async () => {
    const { hashApiKey } = await import("../../src/limits/keys.js");
    const { runSluice, startGatewayProcess } = await import("../support/process.js");
    const { startRedis } = await import("../support/redis.js");
    const { fileURLToPath } = await import("node:url");
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const ADMIN = "sk-sluice-fleet-admin";
    const redis = await startRedis();
    const up = await startFakeOpenAI();
    const dir = mkdtempSync(join(tmpdir(), "sluice-fleet-"));
    const config = (name: string) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(
        file,
        `
redis: { url: "${redis.url}" }
data_dir: "${join(dir, name)}"
admin: { keys: [ { id: ops, hash: "${hashApiKey(ADMIN)}" } ] }
providers: [ { id: fake, kind: openai, base_url: "${up.url}" } ]
models: [ { alias: echo, targets: [ { provider: fake, model: echo } ] } ]
policies: { pii: { actions: { PHONE_NUMBER: redact } } }
telemetry: { access_log: false }
`,
      );
      return file;
    };
    const [g1, g2] = await Promise.all([startGatewayProcess(["--config", config("one")]), startGatewayProcess(["--config", config("two")])]);
    const sent = async (url: string) => {
      const c = new OpenAI({ baseURL: `${url}/v1`, apiKey: "x", maxRetries: 0 });
      await c.chat.completions.create({ model: "echo", messages: [{ role: "user", content: "call +1 415 555 0132" }] });
      return up.requests.at(-1)!.body.messages[0].content as string;
    };
    try {
      expect(await sent(g1.url)).toBe("call [PHONE_NUMBER]");
      expect(await sent(g2.url)).toBe("call [PHONE_NUMBER]");
      const testdata = fileURLToPath(new URL("../../dist/policy-wasm/testdata/", import.meta.url));
      const push = runSluice(["policy", "push", "pii", testdata + "pii-no-phone.wasm"], { SLUICE_URL: g1.url, SLUICE_ADMIN_KEY: ADMIN });
      expect(await push.exited).toBe(0);
      expect(await sent(g1.url)).toBe("call +1 415 555 0132");
      // The other replica switches on the broadcast (or its periodic resync), without a push of its own.
      await expect.poll(() => sent(g2.url), { timeout: 15_000, interval: 250 }).toBe("call +1 415 555 0132");
    } finally {
      g1.child.kill("SIGTERM");
      g2.child.kill("SIGTERM");
      await Promise.all([g1.exited, g2.exited]);
      await up.close();
      await redis.stop();
    }
  });
});

describe("watched policy directory", () => {
  it("a module written into the directory is validated and activated; a rejected one changes nothing", async () => {
    const { mkdtempSync, copyFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { fileURLToPath } = await import("node:url");
    const testdata = fileURLToPath(new URL("../../dist/policy-wasm/testdata/", import.meta.url));
    const watchDir = mkdtempSync(join(tmpdir(), "sluice-watch-"));
    const up = await startFakeOpenAI();
    const gw = await startTestGateway(`
providers: [ { id: fake, kind: openai, base_url: "${up.url}" } ]
models: [ { alias: echo, targets: [ { provider: fake, model: echo } ] } ]
policies: { pii: { actions: { PHONE_NUMBER: redact }, watch_dir: "${watchDir}" } }
`);
    const sent = async () => {
      const c = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
      await c.chat.completions.create({ model: "echo", messages: [{ role: "user", content: "call +1 415 555 0132" }] });
      return up.requests.at(-1)!.body.messages[0].content as string;
    };
    try {
      expect(await sent()).toBe("call [PHONE_NUMBER]");
      copyFileSync(testdata + "overcap.wasm", join(watchDir, "pii-bad.wasm"));
      await new Promise((r) => setTimeout(r, 1000));
      expect(await sent()).toBe("call [PHONE_NUMBER]");
      expect((await gw.gateway.policy!.list("pii")).versions.some((v) => v.note.includes("pii-bad"))).toBe(false);
      copyFileSync(testdata + "pii-no-phone.wasm", join(watchDir, "pii-v2.wasm"));
      await expect.poll(sent, { timeout: 10_000, interval: 250 }).toBe("call +1 415 555 0132");
      expect((await gw.gateway.policy!.list("pii")).versions.at(-1)?.note).toBe("watched: pii-v2.wasm");
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

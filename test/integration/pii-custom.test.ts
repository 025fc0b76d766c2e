// Custom PII recognizers end to end (issue 23): `policies.pii.custom` in a running gateway, called
// with the official `openai` SDK against a fake OpenAI upstream that echoes the prompt. The
// custom types run in the shipped module (release build, `sluice:host` I/O) through the slot's
// init; a bad pattern stops `sluice config check` and the gateway's start with the reason.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/app/start-gateway.js";
import { ConfigError } from "../../src/config/load.js";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.js";
import { startTestGateway } from "../support/gateway.js";
import { runSluice } from "../support/process.js";

let upstream: FakeOpenAI;
let gateway: RunningGateway;
let client: OpenAI;

const providers = (url: string) => `
providers: [ { id: fake, kind: openai, base_url: "${url}" } ]
models: [ { alias: echo, targets: [ { provider: fake, model: echo } ] } ]
`;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway(`${providers(upstream.url)}
policies:
  pii:
    actions: { EMPLOYEE_ID: placeholder, EMAIL_ADDRESS: placeholder }
    custom:
      - entity: EMPLOYEE_ID
        pattern: '\\bEMP-[0-9]{6}\\b'
        context: [employee, staff]
      - entity: BADGE_NUMBER          # a weak shape: reported only next to a context word
        pattern: '\\b\\d{5}\\b'
        score: 0.3
        min_score: 0.5
        context: [badge]
      - entity: PROJECT_CODENAME
        deny_list: [Bluebird, Night Owl]
`);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const lastSent = (): string => upstream.requests.at(-1)!.body.messages[0].content as string;
const ask = (content: string) => client.chat.completions.create({ model: "echo", messages: [{ role: "user", content }] });

describe("custom PII recognizers through the gateway", () => {
  it("a custom EMPLOYEE_ID goes upstream as a placeholder and comes back restored, whole and streamed", async () => {
    const prompt = "Summarise the review of EMP-004211 for ana@example.org.";
    const res = await ask(prompt);
    expect(lastSent()).toBe("Summarise the review of <EMPLOYEE_ID_1> for <EMAIL_1>.");
    expect(res.choices[0]!.message.content).toBe(prompt);

    const stream = await client.chat.completions.create({ model: "echo", stream: true, messages: [{ role: "user", content: prompt }] });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(prompt);
    expect(lastSent()).not.toContain("EMP-004211");
  });

  it("context words gate a weak pattern: a bare 5-digit number passes, a badge number is redacted", async () => {
    await ask("Order 48213 shipped on time.");
    expect(lastSent()).toBe("Order 48213 shipped on time.");
    await ask("My badge number is 48213.");
    expect(lastSent()).toBe("My badge number is [BADGE_NUMBER].");
  });

  it("deny-list words are caught as whole words, in any case", async () => {
    await ask("Status of project BLUEBIRD and night owl? Not the bluebirds.");
    expect(lastSent()).toBe("Status of project [PROJECT_CODENAME] and [PROJECT_CODENAME]? Not the bluebirds.");
  });
});

describe("a bad pattern is refused before anything runs", () => {
  const bad = (url: string) => `${providers(url)}
policies:
  pii:
    custom:
      - { entity: EMPLOYEE_ID, pattern: 'EMP-(\\d{6}' }
      - { entity: TICKET, pattern: '(T)-\\1' }
`;

  it("`sluice config check` exits 1 naming the entry, the pattern and the reason", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "sluice-")), "sluice.yaml");
    writeFileSync(file, bad("http://127.0.0.1:9"));
    const run = runSluice(["config", "check", file]);
    expect(await run.exited).toBe(1);
    expect(run.err()).toContain('policies.pii.custom[0] (EMPLOYEE_ID).pattern "EMP-(\\\\d{6}": missing ) for the group opened at offset 4');
    expect(run.err()).toContain("policies.pii.custom[1] (TICKET).pattern");
    expect(run.err()).toContain("backreferences (\\1 ...) are not supported");
  });

  it("the gateway does not start with it", async () => {
    await expect(startTestGateway(bad(upstream.url))).rejects.toThrow(ConfigError);
    await expect(startTestGateway(bad(upstream.url))).rejects.toThrow(/policies\.pii\.custom\[0\] \(EMPLOYEE_ID\)\.pattern/);
  });
});

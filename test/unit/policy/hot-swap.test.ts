// Hot swap through PolicyHost with the local data-dir store: validation before swap, no lost
// calls under concurrent load, new behaviour from the next call on, versions, rollback, restart.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PolicyValidationError } from "../../../src/policy/host/errors.js";
import { LocalVersionStore, sha256Hex } from "../../../src/policy/host/version-store.js";
import type { PiiScanResult } from "../../../src/policy/pii/api.js";
import { PolicyHost } from "../../../src/policy/policy-host.js";
import { builtModule, DIST } from "./helpers.js";

const PHONE = { PHONE_NUMBER: "placeholder" } as const;
const PROMPT = "call me on +44 20 7946 0958 please";
const WITH_PHONE = "call me on <PHONE_1> please";

let dataDir: string;
let host: PolicyHost | null = null;
beforeEach(() => { dataDir = mkdtempSync(join(tmpdir(), "sluice-policy-")); });
afterEach(async () => {
  await host?.close();
  host = null;
  rmSync(dataDir, { recursive: true, force: true });
});

async function startHost(source = "builtin:pii"): Promise<PolicyHost> {
  host = await PolicyHost.start({ slots: [{ slot: "pii", source }], store: new LocalVersionStore(dataDir), builtinDir: DIST });
  return host;
}

async function restart(source?: string): Promise<PolicyHost> {
  await host?.close();
  host = null;
  return startHost(source);
}

describe("PolicyHost hot swap (local store)", () => {
  it("stores the configured module as version 1 under <data_dir>/policies/pii/", async () => {
    const h = await startHost();
    const list = await h.list("pii");
    expect(list.active?.version).toBe(1);
    expect(list.versions.map((v) => [v.version, v.sha256])).toEqual([[1, sha256Hex(builtModule("pii"))]]);
    expect(readdirSync(join(dataDir, "policies", "pii")).sort()).toEqual(["1.wasm", "index.json"]);
  });

  it("swaps under 8 concurrent callers: no call lost, each answer matches its version, new calls see v2", async () => {
    const h = await startHost();
    const pii = h.pii(PHONE);
    let pushed = false;
    const afterPush: PiiScanResult[] = [];
    const all: PiiScanResult[] = [];
    let failures = 0;
    const caller = async () => {
      // call until the push is done, then 30 more calls each
      for (let i = 0, after = 0; after < 30 && i < 100_000; i++) {
        const startedAfterPush = pushed;
        if (startedAfterPush) after++;
        const r = await pii.scan([PROMPT]).catch(() => null);
        if (!r || r.failure) { failures++; continue; }
        all.push(r);
        if (startedAfterPush) afterPush.push(r);
        if (i % 10 === 0) await new Promise((res) => setImmediate(res));
      }
    };
    const callers = Array.from({ length: 8 }, caller);
    await new Promise((res) => setTimeout(res, 30));
    const v2 = await h.push("pii", builtModule("testdata/pii-no-phone"), "no phones");
    pushed = true;
    await Promise.all(callers);
    expect(v2.version).toBe(2);
    expect(failures).toBe(0);
    expect(afterPush.length).toBe(8 * 30);
    for (const r of all) expect(r.texts[0]).toBe(r.version === 1 ? WITH_PHONE : PROMPT);
    expect(all.some((r) => r.version === 1)).toBe(true);
    expect(afterPush.length).toBeGreaterThan(0);
    expect(afterPush.every((r) => r.version === 2 && r.texts[0] === PROMPT)).toBe(true);
  });

  it("rejects an invalid push and keeps serving the active version", async () => {
    const h = await startHost();
    await expect(h.push("pii", builtModule("testdata/broken"))).rejects.toBeInstanceOf(PolicyValidationError);
    expect((await h.list("pii")).versions.length).toBe(1);
    expect((await h.pii(PHONE).scan([PROMPT])).texts[0]).toBe(WITH_PHONE);
  });

  it("rolls back to the previous version, and to a named one", async () => {
    const h = await startHost();
    const pii = h.pii(PHONE);
    await h.push("pii", builtModule("testdata/pii-no-phone"));
    expect((await pii.scan([PROMPT])).texts[0]).toBe(PROMPT);
    const back = await h.rollback("pii");
    expect(back.version).toBe(1);
    expect(await pii.scan([PROMPT])).toMatchObject({ version: 1, texts: [WITH_PHONE] });
    await h.rollback("pii", 2);
    expect(await pii.scan([PROMPT])).toMatchObject({ version: 2, texts: [PROMPT] });
    const list = await h.list("pii");
    expect(list.activations.map((a) => a.version)).toEqual([1, 2, 1, 2]);
    expect(list.activations.every((a) => !Number.isNaN(Date.parse(a.activatedAt)))).toBe(true);
  });

  it("a restarted host comes back on the last activated version", async () => {
    const h = await startHost();
    await h.push("pii", builtModule("testdata/pii-no-phone"));
    await h.close();
    host = null;
    const again = await startHost();
    expect(again.slot("pii").current()?.version).toBe(2);
    expect((await again.pii(PHONE).scan([PROMPT])).texts[0]).toBe(PROMPT);
  });

  it("the configured module follows the config and the release; a pushed or rolled-back version stays", async () => {
    await startHost();
    // Same source, same bytes: nothing new is stored.
    expect((await (await restart()).list("pii")).versions).toHaveLength(1);
    // Other bytes behind the configured source (an upgraded builtin; here another module): stored and active.
    let h = await restart("builtin:testdata/pii-no-phone");
    let list = await h.list("pii");
    expect(list.active?.version).toBe(2);
    expect(list.versions[1]).toMatchObject({ version: 2, note: "configured builtin:testdata/pii-no-phone", sha256: sha256Hex(builtModule("testdata/pii-no-phone")) });
    expect((await h.pii(PHONE).scan([PROMPT])).texts[0]).toBe(PROMPT);
    // An operator's push is kept whatever the config says.
    await h.push("pii", builtModule("pii"), "operator");
    h = await restart("builtin:testdata/pii-no-phone");
    expect(h.slot("pii").current()?.version).toBe(3);
    expect((await h.pii(PHONE).scan([PROMPT])).texts[0]).toBe(WITH_PHONE);
    // So is a rollback to a version that came from the config.
    await h.rollback("pii", 2);
    h = await restart("builtin:pii");
    list = await h.list("pii");
    expect(list.active?.version).toBe(2);
    expect(list.versions).toHaveLength(3);
  });

  it("a configured module that cannot be read or is rejected leaves the stored version serving", async () => {
    await startHost();
    const errors: string[] = [];
    await host!.close();
    host = await PolicyHost.start({
      slots: [{ slot: "pii", source: "builtin:testdata/broken" }],
      store: new LocalVersionStore(dataDir),
      builtinDir: DIST,
      onError: (_slot, err) => errors.push(String(err)),
    });
    expect(host.slot("pii").current()?.version).toBe(1);
    expect(errors.join()).toMatch(/rejected/);
  });
});

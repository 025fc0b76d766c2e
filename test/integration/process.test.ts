import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import http from "node:http";
import { runSluice, startGatewayProcess } from "../support/process.js";

function tempConfig(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "sluice-")), "sluice.yaml");
  writeFileSync(file, yaml);
  return file;
}

describe("the sluice process", () => {
  it("starts on the built-in config with no keys and answers", async () => {
    const gw = await startGatewayProcess([]);
    try {
      const health = await fetch(`${gw.url}/healthz`);
      expect(health.status).toBe(200);
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "mock-echo", messages: [{ role: "user", content: "out of the box" }] }),
      });
      expect(((await res.json()) as any).choices[0].message.content).toBe("out of the box");
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      expect(metrics).toMatch(/sluice_requests_total\{surface="rest",model="mock-echo",provider="mock",status="ok"\} 1/);
      expect(metrics).toContain("sluice_gateway_overhead_seconds_bucket");
      expect(metrics).toContain("sluice_tokens_total");
    } finally {
      gw.child.kill("SIGTERM");
      expect(await gw.exited).toBe(0);
    }
  });

  it("SIGTERM drains: the open stream finishes, /readyz answers 503 on a new connection, exit code 0", async () => {
    const config = tempConfig(`
providers: [ { id: slow, kind: mock, mock: { chunk_delay_ms: 60, lorem_tokens: 12 } } ]
models: [ { alias: slow, targets: [ { provider: slow, model: mock-lorem } ] } ]
server: { drain_timeout_ms: 10000 }
`);
    const gw = await startGatewayProcess(["--config", config]);
    let refusedWhileDraining: Promise<boolean> | undefined;
    let streamEnded = false;
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.once("data", (first) => {
          text += first;
          gw.child.kill("SIGTERM"); // mid-stream
          refusedWhileDraining = new Promise((r) => setTimeout(r, 150)).then(() =>
            fetch(`${gw.url}/readyz`, { headers: { connection: "close" } }).then(
              (ready) => ready.status === 503 && !streamEnded, // not ready, and the stream was still open at the time
              () => false,
            ),
          );
          res.on("data", (d) => (text += d));
        });
        res.on("end", () => {
          streamEnded = true;
          resolve(text);
        });
        res.on("error", reject);
      });
      req.end(JSON.stringify({ model: "slow", stream: true, messages: [{ role: "user", content: "go" }] }));
    });
    expect(body.trim().endsWith("data: [DONE]")).toBe(true);
    const words = body.split("\n\n").filter((e) => e.includes('"content"')).length;
    expect(words).toBe(12);
    expect(await refusedWhileDraining).toBe(true);
    expect(await gw.exited).toBe(0);
  });

  it("refuses to bind a non-loopback address without keys, saying why", async () => {
    const run = runSluice(["serve", "--config", tempConfig(`server: { listen: "0.0.0.0:0" }`)]);
    expect(await run.exited).toBe(2);
    expect(run.err()).toMatch(/server\.listen: 0\.0\.0\.0:0 is reachable from other machines but no API keys are configured/);
  });

  it("rejects a bad config with the field named", async () => {
    const run = runSluice(["serve", "--config", tempConfig(`providers: [ { id: x, kind: openai, base_url: 5 } ]`)]);
    expect(await run.exited).toBe(2);
    expect(run.err()).toContain("providers[0].base_url: expected a string, got number 5");
  });
});

describe("the sluice CLI", () => {
  it("--help lists the commands; each command has its own help", async () => {
    const run = runSluice(["--help"]);
    expect(await run.exited).toBe(0);
    for (const c of ["serve", "config", "keys"]) expect(run.out()).toContain(c);
    const serve = runSluice(["serve", "--help"]);
    expect(await serve.exited).toBe(0);
    expect(serve.out()).toContain("--config FILE");
  });

  it("keys new prints a key once and a hash that config check accepts", async () => {
    const run = runSluice(["keys", "new", "--json"]);
    expect(await run.exited).toBe(0);
    const { key, hash } = JSON.parse(run.out());
    expect(key).toMatch(/^sk-sluice-/);
    const file = tempConfig(`tenants: [ { id: t, keys: [ { id: k, hash: "${hash}" } ] } ]`);
    const check = runSluice(["config", "check", file]);
    expect(await check.exited).toBe(0);
    expect(check.out()).toContain("1 tenants, 1 keys");

    // And the key works against a gateway with that config.
    const gw = await startGatewayProcess(["--config", file]);
    try {
      const ok = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      expect(ok.status).toBe(200);
      const denied = await fetch(`${gw.url}/v1/models`);
      expect(denied.status).toBe(401);
    } finally {
      gw.child.kill("SIGTERM");
      await gw.exited;
    }
  });

  it("config check reports problems and exits 1", async () => {
    const run = runSluice(["config", "check", tempConfig(`server: { listen: nowhere }`)]);
    expect(await run.exited).toBe(1);
    expect(run.err()).toContain('server.listen: expected host:port, got "nowhere"');
  });

  it("unknown commands exit 2", async () => {
    const run = runSluice(["frobnicate"]);
    expect(await run.exited).toBe(2);
    expect(run.err()).toContain('unknown command "frobnicate"');
  });
});

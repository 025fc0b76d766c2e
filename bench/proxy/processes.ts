import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));

export interface Child {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
}

/** The mock upstream in its own process. */
export async function startMockUpstream(): Promise<Child> {
  const child = spawn(process.execPath, [join(root, "dist/bench/proxy/mock-upstream.js")], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once("data", (d: Buffer) => {
      const m = /ready (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
      else reject(new Error(`unexpected upstream output: ${d}`));
    });
    child.once("exit", (code) => reject(new Error(`upstream exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, process: child, stop: stopper(child) };
}

/** `sluice serve` in its own process, in front of `upstreamUrl`, on its default settings. */
export async function startGatewayProcess(upstreamUrl: string): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-"));
  const config = join(dir, "bench.yaml");
  writeFileSync(
    config,
    `providers: [ { id: upstream, kind: openai, base_url: "${upstreamUrl}/v1" } ]\n` +
      `models: [ { alias: bench, targets: [ { provider: upstream, model: bench-1 } ] } ]\n`,
  );
  const port = await freePort();
  // The access log stays on (the default); it goes to /dev/null instead of a terminal.
  const child = spawn(process.execPath, [join(root, "bin/sluice.js"), "serve", "--config", config, "--port", String(port)], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, process: child, stop: stopper(child) };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("gateway did not start");
}

import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const bin = fileURLToPath(new URL("../../bin/sluice.js", import.meta.url));

/**
 * For a test that starts the CLI several times in a row: each start pays Node's start-up and
 * the module imports, which take seconds on a loaded 2-core machine (and the default 30 s
 * per test was seen running out there).
 */
export const CLI_TEST_TIMEOUT_MS = 120_000;

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/**
 * Runs the built `sluice` command (bin/sluice.js -> dist/) as a child process, the way an
 * operator runs it. Needs `npm run build` first (npm test does it).
 */
export function runSluice(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  // A fresh working directory: the default data_dir (./.sluice) lands there, not in the repo.
  const cwd = mkdtempSync(join(tmpdir(), "sluice-run-"));
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** `sluice serve` on an ephemeral port; resolves once it logs the URL it listens on. */
export async function startGatewayProcess(args: string[], env: NodeJS.ProcessEnv = {}, options: { timeoutMs?: number } = {}): Promise<GatewayProcess> {
  const run = runSluice(["serve", "--port", "0", ...args], env);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${run.out()}\n${run.err()}`)), options.timeoutMs ?? 15_000);
    run.child.stdout!.on("data", () => {
      const m = /"url":"([^"]+)"[^\n]*"msg":"sluice listening"/.exec(run.out());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    run.exited.then((code) => reject(new Error(`gateway exited with ${code}:\n${run.err()}`)));
  });
  return { child: run.child, url, stdout: run.out, stderr: run.err, exited: run.exited };
}

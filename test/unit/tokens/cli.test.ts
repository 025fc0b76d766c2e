// `sluice tokens count`, in-process with fake streams and once as a real child process.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { get_encoding } from "tiktoken";
import { beforeAll, describe, expect, it } from "vitest";
import { tokensCommand } from "../../../src/cli/commands/tokens.js";
import { loadCorpus } from "./helpers.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command in-process; `stdinChunks` arrive as separate writes (to split lines). */
async function runInProcess(argv: string[], stdinChunks: (string | Buffer)[]): Promise<RunResult> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (c: Buffer) => out.push(c));
  stderr.on("data", (c: Buffer) => err.push(c));
  const running = tokensCommand.run(argv, { stdin, stdout, stderr });
  for (const chunk of stdinChunks) {
    stdin.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  stdin.end();
  const code = await running;
  return { code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

const rows = loadCorpus();

describe("sluice tokens count (in-process)", () => {
  it("counts all of stdin as one text", async () => {
    const text = "Hello, world! How are you?\n";
    const result = await runInProcess(["count", "--encoding", "cl100k_base"], [text]);
    expect(result).toEqual({ code: 0, stdout: `${get_encoding("cl100k_base").encode_ordinary(text).length}\n`, stderr: "" });
  });

  it("prints ids with --ids", async () => {
    const result = await runInProcess(["count", "--encoding", "o200k_base", "--ids", "--engine", "raw"], ["don't stop"]);
    const parsed = JSON.parse(result.stdout) as { count: number; ids: number[] };
    expect(parsed.ids).toEqual(Array.from(get_encoding("o200k_base").encode_ordinary("don't stop")));
    expect(parsed.count).toBe(parsed.ids.length);
  });

  it("streams --jsonl: the whole corpus, with lines split across stdin chunks", async () => {
    const input = rows.map((row) => JSON.stringify({ text: row.text, id: row.id })).join("\n") + "\n";
    const bytes = Buffer.from(input, "utf8");
    // Cut at arbitrary byte offsets, some inside multi-byte characters.
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 7919) chunks.push(bytes.subarray(at, at + 7919));
    const result = await runInProcess(["count", "--encoding", "o200k_base", "--jsonl"], chunks);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const counts = result.stdout.trimEnd().split("\n").map((line) => (JSON.parse(line) as { count: number }).count);
    expect(counts).toEqual(rows.map((row) => row.o200k_base));
  });

  it("writes ids per line with --jsonl --ids", async () => {
    const subset = rows.slice(0, 20);
    const input = subset.map((row) => JSON.stringify({ text: row.text })).join("\r\n");
    const result = await runInProcess(["count", "--encoding", "cl100k_base", "--jsonl", "--ids"], [input]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n").map((line) => JSON.parse(line) as { count: number; ids: number[] });
    expect(lines.map((line) => line.count)).toEqual(subset.map((row) => row.cl100k_base));
    expect(lines.map((line) => line.ids.slice(0, 64))).toEqual(subset.map((row) => row.cl100k_ids));
  });

  it("rejects a bad JSON line with its line number and exit code 1", async () => {
    const result = await runInProcess(["count", "--encoding", "cl100k_base", "--jsonl"], ['{"text":"ok"}\n{"text": nope}\n']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('{"count":1}\n');
    expect(result.stderr).toMatch(/line 2: invalid JSON/);
  });

  it("rejects a line without a string text field", async () => {
    const result = await runInProcess(["count", "--encoding", "cl100k_base", "--jsonl"], ['{"text": 5}\n']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/line 1: expected an object with a string "text" field/);
  });

  it.each([
    [["count", "--encoding", "p50k_base"], /unknown encoding "p50k_base"/],
    [["count"], /--encoding is required/],
    [["count", "--encoding", "cl100k_base", "--bogus"], /Unknown option '--bogus'/],
    [["measure", "--encoding", "cl100k_base"], /expected the sub-command "count"/],
    [["count", "--encoding", "cl100k_base", "--engine", "gpu"], /unknown engine "gpu"/],
  ])("rejects bad usage %j with exit code 2", async (argv, message) => {
    const result = await runInProcess(argv, [""]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
  });
});

function sourcesUnder(dir: string): string[] {
  return readdirSync(join(REPO, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `${dir}/${f}`);
}

/**
 * The child process runs the command's own module (and the tokens slot's sources it imports),
 * transpiled with the TypeScript compiler API (no build of the whole project, no extra loader)
 * into dist/.test-tokens-cli/, where
 * node_modules still resolves; the wasm comes from the real build via SLUICE_TOKENS_WASM_DIR.
 */
function transpileCommand(outDir: string): string {
  const sources = [
    "src/cli/command.ts",
    "src/cli/commands/tokens.ts",
    // the tokenizer is the tokens policy slot's (its Extism engines run the module as the slot)
    ...sourcesUnder("src/policy"),
    ...sourcesUnder("src/errors"),
    ...sourcesUnder("src/gen"),
  ];
  for (const source of sources) {
    const { outputText } = ts.transpileModule(readFileSync(join(REPO, source), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: source,
    });
    const target = join(outDir, source.replace(/\.ts$/, ".js"));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  const entry = join(outDir, "run-tokens.mjs");
  writeFileSync(
    entry,
    `import { tokensCommand } from "./${relative(outDir, join(outDir, "src/cli/commands/tokens.js"))}";\n` +
      "process.exitCode = await tokensCommand.run(process.argv.slice(2), process);\n",
  );
  writeFileSync(join(outDir, "package.json"), '{"type":"module"}\n');
  return entry;
}

describe("sluice tokens count (child process)", () => {
  let entry: string;
  beforeAll(() => {
    entry = transpileCommand(join(REPO, "dist", ".test-tokens-cli"));
  });

  it("streams a JSONL corpus through one process", async () => {
    const child = spawn(process.execPath, [entry, "count", "--encoding", "cl100k_base", "--jsonl"], {
      env: { ...process.env, SLUICE_TOKENS_WASM_DIR: join(REPO, "dist", "policy-wasm") },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.stdin.end(rows.map((row) => JSON.stringify({ text: row.text })).join("\n") + "\n");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(Buffer.concat(err).toString()).not.toMatch(/Error/);
    expect(code).toBe(0);
    const counts = Buffer.concat(out).toString().trimEnd().split("\n").map((line) => (JSON.parse(line) as { count: number }).count);
    expect(counts).toEqual(rows.map((row) => row.cl100k_base));
  });

  it("exits non-zero with a clear message on bad input", async () => {
    const child = spawn(process.execPath, [entry, "count", "--encoding", "cl100k_base", "--jsonl"], {
      env: { ...process.env, SLUICE_TOKENS_WASM_DIR: join(REPO, "dist", "policy-wasm") },
    });
    const err: Buffer[] = [];
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.stdin.end("not json\n");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(1);
    expect(Buffer.concat(err).toString()).toMatch(/sluice tokens: line 1: invalid JSON/);
  });
});

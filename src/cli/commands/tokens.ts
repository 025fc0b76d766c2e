import { parseArgs } from "node:util";
import type { Command, CommandIO } from "../command.js";
import { createTokenizer, ENCODINGS, ENGINE_KINDS, isEncodingName, type Tokenizer, type TokenizerEngineKind } from "../../policy/index.js";

const USAGE = "usage: sluice tokens count --encoding cl100k_base|o200k_base [--ids] [--jsonl] [--engine extism|extism-hostio|raw]";

const HELP = `${USAGE}

Counts tokens exactly as OpenAI's tiktoken does (cl100k_base: GPT-4 / GPT-3.5; o200k_base:
GPT-4o / GPT-4.1 / GPT-5 / o-series), with the WASM tokens module.

  --encoding NAME   cl100k_base or o200k_base (required)
  --ids             also print the token ids
  --jsonl           read one JSON object {"text": "..."} per line from stdin and write one
                    {"count": n} (with --ids: {"count": n, "ids": [...]}) per line, streaming;
                    a whole corpus goes through one process
  --engine KIND     how the module runs: extism-hostio (default) or extism, both as the
                    gateway's tokens policy slot, or raw WebAssembly

Without --jsonl, all of stdin is one text: prints its count, or with --ids a JSON object
{"count": n, "ids": [...]}. Exit codes: 0 ok, 1 bad input (the line number is reported),
2 bad usage.`;

/** A line of --jsonl input that is not {"text": string}. */
class InputLineError extends Error {}

function parseTextLine(line: string, lineNumber: number): string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new InputLineError(`line ${lineNumber}: invalid JSON (${(err as Error).message})`);
  }
  if (typeof value !== "object" || value === null || typeof (value as { text?: unknown }).text !== "string") {
    throw new InputLineError(`line ${lineNumber}: expected an object with a string "text" field`);
  }
  return (value as { text: string }).text;
}

function write(stream: NodeJS.WritableStream, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

async function readAll(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function formatResult(count: number, ids: Uint32Array | undefined): string {
  return ids ? `{"count":${count},"ids":[${ids.join(",")}]}` : `{"count":${count}}`;
}

/**
 * --jsonl: every stdin chunk's complete lines go to the module as one batch, and their results
 * are written before the next chunk is read: streaming, batched, and with backpressure.
 */
async function countJsonLines(tokenizer: Tokenizer, withIds: boolean, io: CommandIO): Promise<number> {
  const decoder = new TextDecoder();
  let pending = "";
  let lineNumber = 0;
  const flush = async (lines: string[]): Promise<void> => {
    const texts: string[] = [];
    let badLine: InputLineError | undefined;
    for (const line of lines) {
      lineNumber++;
      if (line.trim() === "") continue; // blank lines (and a final newline) carry no record
      try {
        texts.push(parseTextLine(line, lineNumber));
      } catch (err) {
        badLine = err as InputLineError;
        break;
      }
    }
    // The records before a bad line still get their results, in order, before the error.
    if (texts.length > 0) {
      const out = withIds
        ? (await tokenizer.encode(texts)).map((ids) => formatResult(ids.length, ids))
        : (await tokenizer.count(texts)).map((count) => formatResult(count, undefined));
      await write(io.stdout, out.join("\n") + "\n");
    }
    if (badLine) throw badLine;
  };
  try {
    for await (const chunk of io.stdin) {
      pending += typeof chunk === "string" ? chunk : decoder.decode(chunk as Uint8Array, { stream: true });
      const cut = pending.lastIndexOf("\n");
      if (cut < 0) continue;
      const lines = pending.slice(0, cut).split("\n");
      pending = pending.slice(cut + 1);
      await flush(lines);
    }
    pending += decoder.decode();
    if (pending !== "") await flush([pending]);
  } catch (err) {
    if (err instanceof InputLineError) {
      io.stderr.write(`sluice tokens: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  return 0;
}

export const tokensCommand: Command = {
  help: HELP,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: {
          encoding: { type: "string" },
          ids: { type: "boolean", default: false },
          jsonl: { type: "boolean", default: false },
          engine: { type: "string", default: "extism-hostio" },
        },
      });
    } catch (err) {
      io.stderr.write(`sluice tokens: ${(err as Error).message}\n${USAGE}\n`);
      return 2;
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1 || positionals[0] !== "count") {
      io.stderr.write(`sluice tokens: expected the sub-command "count"\n${USAGE}\n`);
      return 2;
    }
    const encoding = values.encoding;
    if (encoding === undefined || !isEncodingName(encoding)) {
      const what = encoding === undefined ? "--encoding is required" : `unknown encoding ${JSON.stringify(encoding)}`;
      io.stderr.write(`sluice tokens: ${what}; expected one of ${ENCODINGS.join(", ")}\n`);
      return 2;
    }
    const engine = values.engine as TokenizerEngineKind;
    if (!ENGINE_KINDS.includes(engine)) {
      io.stderr.write(`sluice tokens: unknown engine ${JSON.stringify(values.engine)}; expected one of ${ENGINE_KINDS.join(", ")}\n`);
      return 2;
    }

    const tokenizer = await createTokenizer({ encoding, engine });
    try {
      if (values.jsonl) return await countJsonLines(tokenizer, values.ids, io);
      const text = await readAll(io.stdin);
      if (values.ids) {
        const [ids] = await tokenizer.encode([text]);
        await write(io.stdout, formatResult((ids as Uint32Array).length, ids) + "\n");
      } else {
        const [count] = await tokenizer.count([text]);
        await write(io.stdout, `${count}\n`);
      }
      return 0;
    } finally {
      await tokenizer.close();
    }
  },
};

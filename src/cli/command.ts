/**
 * One `sluice` sub-command. `src/cli/main.ts` keeps the list; each command lives in
 * `src/cli/commands/<name>.ts` and parses its own arguments (node:util parseArgs).
 */
export interface Command {
  /** The word after `sluice`, e.g. "serve" or "keys". */
  readonly name: string;
  /** One line for `sluice --help`. */
  readonly summary: string;
  /** Full help text, printed for `sluice <name> --help`. */
  readonly help: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[], io: CommandIO): Promise<number>;
}

/** Streams a command reads and writes, so tests can run commands in-process. */
export interface CommandIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

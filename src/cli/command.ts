/**
 * One `sluice` sub-command. `src/cli/main.ts` keeps the list (names and one-line summaries);
 * each command lives in `src/cli/commands/<name>.ts`, loaded only when it runs, and parses its
 * own arguments (node:util parseArgs).
 */
export interface Command {
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

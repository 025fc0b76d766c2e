import type { Command, CommandIO } from "./command.js";
import { configCommand } from "./commands/config.js";
import { keysCommand } from "./commands/keys.js";
import { serveCommand } from "./commands/serve.js";
import { policyCommand } from "./commands/policy.js";
import { promptsCommand } from "./commands/prompts.js";
import { tokensCommand } from "./commands/tokens.js";
import { usageCommand } from "./commands/usage.js";

/** Every `sluice` sub-command, in the order `--help` lists them. */
const commands: Command[] = [serveCommand, configCommand, keysCommand, usageCommand, tokensCommand, policyCommand, promptsCommand];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "sluice: a high-throughput AI gateway",
    "",
    "usage: sluice <command> [options]",
    "",
    "commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `sluice <command> --help` for a command's options.",
    "",
  ].join("\n");
}

export async function main(argv: string[], io: CommandIO = process): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`sluice: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(command.help.endsWith("\n") ? command.help : command.help + "\n");
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    io.stderr.write(`sluice ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}

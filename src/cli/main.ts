import type { Command, CommandIO } from "./command.js";

/**
 * Every `sluice` sub-command, in the order `--help` lists them. A command's module is imported
 * only when it runs: they pull in very different parts (the whole gateway for `serve`, an admin
 * client for `keys`, the policy toolchain for `policy`), and `serve --workers N`'s primary,
 * which serves nothing, loads only what it runs (bench/RESULTS.md, "Every core").
 */
const commands: Array<{ name: string; summary: string; load(): Promise<Command> }> = [
  { name: "serve", summary: "run the gateway", load: async () => (await import("./commands/serve.js")).serveCommand },
  { name: "config", summary: "check a config file (config check FILE)", load: async () => (await import("./commands/config.js")).configCommand },
  { name: "keys", summary: "make, list and revoke API keys (keys new | create | list | revoke)", load: async () => (await import("./commands/keys.js")).keysCommand },
  { name: "usage", summary: "aggregate the usage ledger (tokens, cost) of a running gateway", load: async () => (await import("./commands/usage.js")).usageCommand },
  { name: "tokens", summary: "count tokens exactly like tiktoken (tokens count)", load: async () => (await import("./commands/tokens.js")).tokensCommand },
  { name: "policy", summary: "write, build, test, push, list and roll back WASM policy modules", load: async () => (await import("./commands/policy.js")).policyCommand },
  { name: "prompts", summary: "push, list, show, diff, label and roll back prompt templates", load: async () => (await import("./commands/prompts.js")).promptsCommand },
];

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
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`sluice: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
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

import type { Command } from "../command.js";
import { newApiKey } from "../../limits/keys.js";

export const keysCommand: Command = {
  name: "keys",
  summary: "make an API key (keys new)",
  help: `usage: sluice keys new [--json]

Prints a new random API key and the hash to put in the config under tenants[].keys[].hash.
The key is shown only this once; the gateway stores and compares only the hash.`,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub !== "new" || rest.some((a) => a !== "--json")) {
      io.stderr.write("usage: sluice keys new [--json]\n");
      return 2;
    }
    const { key, hash } = newApiKey();
    if (rest.includes("--json")) io.stdout.write(JSON.stringify({ key, hash }) + "\n");
    else io.stdout.write(`key:  ${key}\nhash: ${hash}\n\nThe key is shown once. Put the hash in your config:\n  tenants:\n    - id: my-team\n      keys: [ { id: my-key, hash: "${hash}" } ]\n`);
    return 0;
  },
};

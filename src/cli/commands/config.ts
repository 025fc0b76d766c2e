import type { Command } from "../command.js";
import { ConfigError } from "../../config/load.js";
import { loadConfigFile } from "../../app/load-config.js";

export const configCommand: Command = {
  help: `usage: sluice config check FILE

Validates a YAML config as \`sluice serve\` would: field types, unknown fields, references
between sections, \${ENV} variables. Prints each problem with the field it is about and exits 1
when there is any; prints a summary and exits 0 when the config is good.`,
  async run(argv, io) {
    const [sub, file, ...extra] = argv;
    if (sub !== "check" || !file || extra.length > 0) {
      io.stderr.write("usage: sluice config check FILE\n");
      return 2;
    }
    try {
      const config = loadConfigFile(file);
      const keys = config.tenants.reduce((n, t) => n + t.keys.length, 0);
      io.stdout.write(
        `${file}: ok (listen ${config.server!.listen}, ${config.providers.length} providers, ` +
          `${config.models.length} models, ${config.tenants.length} tenants, ${keys} keys)\n`,
      );
      return 0;
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(err.message + "\n");
        return 1;
      }
      throw err;
    }
  },
};

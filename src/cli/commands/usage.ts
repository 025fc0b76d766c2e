import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { ADMIN_OPTIONS_HELP, adminClient, adminOptions } from "../admin-client.js";

export const usageCommand: Command = {
  help: `usage: sluice usage [--from RFC3339] [--to RFC3339] [--group-by tenant,key,model,model_requested,provider,tag,prompt]
                    [--tenant T] [--key ID] [--tag-key K] [--json]

Sums requests, errors, tokens and cost from the usage ledger (AdminService.GetUsage).
Default range: the last 24 hours.

admin options:
${ADMIN_OPTIONS_HELP}`,
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...adminOptions,
        from: { type: "string" },
        to: { type: "string" },
        "group-by": { type: "string" },
        tenant: { type: "string" },
        key: { type: "string" },
        "tag-key": { type: "string" },
        json: { type: "boolean" },
      },
    });
    const { client, headers } = adminClient(values);
    const res = await client.getUsage(
      {
        from: values.from ?? "",
        to: values.to ?? "",
        groupBy: values["group-by"] ? values["group-by"].split(",") : [],
        tenant: values.tenant ?? "",
        keyId: values.key ?? "",
        tagKey: values["tag-key"] ?? "",
      },
      { headers },
    );
    const rows = res.rows.map((r) => ({
      group: r.group,
      requests: Number(r.requests),
      errors: Number(r.errors),
      input_tokens: Number(r.inputTokens),
      output_tokens: Number(r.outputTokens),
      cached_input_tokens: Number(r.cachedInputTokens),
      cost_usd: r.costUsd,
    }));
    if (values.json) {
      io.stdout.write(JSON.stringify(rows) + "\n");
      return 0;
    }
    io.stdout.write("group\trequests\terrors\tinput\toutput\tcached\tcost_usd\n");
    for (const r of rows) {
      const group = Object.entries(r.group).map(([k, v]) => `${k}=${v}`).join(",") || "(all)";
      io.stdout.write(`${group}\t${r.requests}\t${r.errors}\t${r.input_tokens}\t${r.output_tokens}\t${r.cached_input_tokens}\t${r.cost_usd.toFixed(6)}\n`);
    }
    return 0;
  },
};

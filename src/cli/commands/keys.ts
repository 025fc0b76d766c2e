import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { newApiKey } from "../../limits/keys.js";
import { ADMIN_OPTIONS_HELP, adminClient, adminOptions } from "../admin-client.js";

export const keysCommand: Command = {
  help: `usage:
  sluice keys new [--json]
      Prints a new random key and the hash to put in the config (tenants[].keys[].hash or
      admin.keys[].hash). Offline; the key is shown only this once.
  sluice keys create --tenant T [--id ID] [--expires-at RFC3339] [--tag k=v ...] [--json]
      Makes a key for tenant T in a running gateway (AdminService.CreateKey). Shown once.
  sluice keys list [--tenant T] [--json]
  sluice keys revoke ID
      Revokes a key (configured or created) on every replica.

admin options (create, list, revoke):
${ADMIN_OPTIONS_HELP}`,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === "new") {
      if (rest.some((a) => a !== "--json")) return usage(io);
      const { key, hash } = newApiKey();
      if (rest.includes("--json")) io.stdout.write(JSON.stringify({ key, hash }) + "\n");
      else io.stdout.write(`key:  ${key}\nhash: ${hash}\n\nThe key is shown once. Put the hash in your config:\n  tenants:\n    - id: my-team\n      keys: [ { id: my-key, hash: "${hash}" } ]\n`);
      return 0;
    }
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { ...adminOptions, tenant: { type: "string" }, id: { type: "string" }, "expires-at": { type: "string" }, tag: { type: "string", multiple: true }, json: { type: "boolean" } },
    });
    if (sub === "create") {
      if (!values.tenant) return usage(io);
      const { client, headers } = adminClient(values);
      const tags = Object.fromEntries((values.tag ?? []).map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)]));
      const res = await client.createKey({ tenant: values.tenant, id: values.id ?? "", expiresAt: values["expires-at"] ?? "", tags }, { headers });
      if (values.json) io.stdout.write(JSON.stringify({ id: res.key?.id, tenant: res.key?.tenant, key: res.secret }) + "\n");
      else io.stdout.write(`id:     ${res.key?.id}\ntenant: ${res.key?.tenant}\nkey:    ${res.secret}\n\nThe key is shown once.\n`);
      return 0;
    }
    if (sub === "list") {
      const { client, headers } = adminClient(values);
      const res = await client.listKeys({ tenant: values.tenant ?? "" }, { headers });
      if (values.json) {
        io.stdout.write(JSON.stringify(res.keys.map((k) => ({ id: k.id, tenant: k.tenant, source: k.source, created_at: k.createdAt, expires_at: k.expiresAt, revoked: k.revoked }))) + "\n");
      } else {
        for (const k of res.keys) io.stdout.write(`${k.id}\t${k.tenant}\t${k.source}\t${k.revoked ? "revoked" : "active"}\t${k.expiresAt || "-"}\n`);
      }
      return 0;
    }
    if (sub === "revoke") {
      const id = positionals[0];
      if (!id || positionals.length !== 1) return usage(io);
      const { client, headers } = adminClient(values);
      const res = await client.revokeKey({ id }, { headers });
      io.stdout.write(`revoked ${res.key?.id} (tenant ${res.key?.tenant})\n`);
      return 0;
    }
    return usage(io);
  },
};

function usage(io: { stderr: NodeJS.WritableStream }): number {
  io.stderr.write("usage: sluice keys new | create --tenant T | list | revoke ID   (sluice keys --help)\n");
  return 2;
}

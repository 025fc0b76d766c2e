import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AdminService } from "../gen/sluice/v1/admin_pb.js";

/** Options every admin command takes: where the gateway is and the admin key. */
export const adminOptions = {
  url: { type: "string" },
  "admin-key": { type: "string" },
} as const;

export const ADMIN_OPTIONS_HELP = `  --url URL         the gateway (default: $SLUICE_URL, else http://127.0.0.1:8080)
  --admin-key KEY   an admin key from the config's admin.keys (default: $SLUICE_ADMIN_KEY)`;

/** An AdminService client over the Connect protocol, with the admin key on every call. */
export function adminClient(values: { url?: string | undefined; "admin-key"?: string | undefined }): { client: Client<typeof AdminService>; headers: Record<string, string> } {
  const baseUrl = values.url ?? process.env.SLUICE_URL ?? "http://127.0.0.1:8080";
  const key = values["admin-key"] ?? process.env.SLUICE_ADMIN_KEY;
  if (!key) throw new Error("an admin key is required: --admin-key or SLUICE_ADMIN_KEY");
  return {
    client: createClient(AdminService, createConnectTransport({ baseUrl, httpVersion: "1.1" })),
    headers: { authorization: `Bearer ${key}` },
  };
}

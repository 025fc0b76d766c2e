import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { GatewayService } from "../../src/gen/sluice/v1/gateway_pb.js";

const ADMIN_KEY = "sluice.console.adminKey";

/** The admin key lives in this tab's sessionStorage only: gone when the tab closes, never sent elsewhere. */
export const adminKeyStore = {
  get: (): string => sessionStorage.getItem(ADMIN_KEY) ?? "",
  set: (key: string) => (key ? sessionStorage.setItem(ADMIN_KEY, key) : sessionStorage.removeItem(ADMIN_KEY)),
};

const withAdminKey: Interceptor = (next) => (req) => {
  const key = adminKeyStore.get();
  if (key) req.header.set("authorization", `Bearer ${key}`);
  return next(req);
};

/** AdminService calls (connect-query's TransportProvider): the admin key from sessionStorage on each call. */
export const adminTransport = createConnectTransport({ baseUrl: window.location.origin, interceptors: [withAdminKey] });

/** GatewayService calls with the API key the user typed in the playground. */
export const gatewayClient = createClient(GatewayService, createConnectTransport({ baseUrl: window.location.origin }));

/** `authorization` for an API key; nothing when none was typed (a gateway without keys). */
export const bearer = (key: string): { headers?: Record<string, string> } => (key ? { headers: { authorization: `Bearer ${key}` } } : {});

/** A message for people: the Connect code's name and the gateway's text. */
export function errorText(err: unknown): string {
  const e = ConnectError.from(err);
  return `${Code[e.code] ?? "error"}: ${e.rawMessage}`;
}

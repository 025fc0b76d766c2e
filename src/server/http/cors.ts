import { cors as connectCors } from "@connectrpc/connect";
import type { HttpRequest, HttpResponse } from "./types.js";

export interface CorsSettings {
  /** Exact origins, or ["*"] (any origin; the config check allows it only without keys). */
  allowedOrigins: readonly string[];
  allowCredentials: boolean;
  maxAgeS: number;
}

/**
 * Handles the CORS part of a request that carries an `Origin` header. Returns true when it
 * answered the request itself (a preflight from an allowed origin), false when the request goes
 * on (its response then carries the CORS headers when the origin is allowed).
 */
export type CorsHandler = (req: HttpRequest, res: HttpResponse, origin: string) => boolean;

/** Sluice's own headers a page may send, beside what Connect and gRPC-Web need. */
const OUR_REQUEST_HEADERS = ["authorization", "x-api-key", "x-request-id"];
/** Request headers matching this prefix are allowed too (a preflight lists them one by one). */
const OUR_HEADER_PREFIX = "x-sluice-";
/** Response headers a page may read, beside the gRPC-Web status headers. */
const OUR_RESPONSE_HEADERS = [
  "x-request-id",
  "x-sluice-provider",
  "x-sluice-model",
  "x-sluice-attempts",
  "x-sluice-cache-status",
  "x-sluice-cost-usd",
  "retry-after",
  "x-ratelimit-remaining-tokens",
  "x-ratelimit-reset-tokens",
];

const lower = (names: readonly string[]) => [...new Set(names.map((n) => n.toLowerCase()))];

/**
 * The CORS handler of `server.cors` (undefined when it is not configured: then the server does
 * no CORS work at all). The allowed and exposed header lists come from `@connectrpc/connect`'s
 * `cors` helpers, so they follow what Connect-Web and gRPC-Web send and read.
 */
export function corsHandler(settings: CorsSettings | undefined): CorsHandler | undefined {
  if (!settings || settings.allowedOrigins.length === 0) return undefined;
  const anyOrigin = settings.allowedOrigins.includes("*");
  const origins = new Set(settings.allowedOrigins);
  const allowedHeaders = lower([...connectCors.allowedHeaders, ...OUR_REQUEST_HEADERS]);
  const allowedHeaderSet = new Set(allowedHeaders);
  const allowMethods = lower([...connectCors.allowedMethods, "GET", "POST"]).map((m) => m.toUpperCase()).join(", ");
  const exposeHeaders = lower([...connectCors.exposedHeaders, ...OUR_RESPONSE_HEADERS]).join(", ");
  const maxAge = String(settings.maxAgeS);

  return (req, res, origin) => {
    const allowed = anyOrigin || origins.has(origin);
    const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    if (!allowed) {
      // No CORS headers: the browser refuses the response. A preflight is answered here (204,
      // nothing allowed) rather than reaching the routes, which know no OPTIONS.
      if (!preflight) return false;
      res.writeHead(204, { vary: "Origin", "content-length": "0" });
      res.end();
      return true;
    }
    // With credentials the origin must be echoed; with "*" and none, "*" lets shared caches keep one copy.
    const allowOrigin = anyOrigin && !settings.allowCredentials ? "*" : origin;
    if (!preflight) {
      res.setHeader("access-control-allow-origin", allowOrigin);
      res.setHeader("access-control-expose-headers", exposeHeaders);
      if (settings.allowCredentials) res.setHeader("access-control-allow-credentials", "true");
      if (allowOrigin !== "*") res.setHeader("vary", "Origin");
      return false;
    }
    const headers: Record<string, string> = {
      "access-control-allow-origin": allowOrigin,
      "access-control-allow-methods": allowMethods,
      "access-control-allow-headers": allowedRequestHeaders(req.headers["access-control-request-headers"], allowedHeaders, allowedHeaderSet),
      "access-control-max-age": maxAge,
      vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
      "content-length": "0",
    };
    if (settings.allowCredentials) headers["access-control-allow-credentials"] = "true";
    res.writeHead(204, headers);
    res.end();
    return true;
  };
}

/** The fixed list, plus the `x-sluice-*` headers the preflight asks for (a list cannot hold a pattern). */
function allowedRequestHeaders(requested: string | string[] | undefined, fixed: readonly string[], fixedSet: ReadonlySet<string>): string {
  const extra: string[] = [];
  const text = Array.isArray(requested) ? requested.join(",") : requested;
  for (const raw of text ? text.split(",") : []) {
    const name = raw.trim().toLowerCase();
    if (name.startsWith(OUR_HEADER_PREFIX) && /^[a-z0-9-]+$/.test(name) && !fixedSet.has(name)) extra.push(name);
  }
  return [...fixed, ...extra].join(", ");
}

/** `server.cors` origin entries that are not an exact origin or "*" (the config check's message). */
export function corsOriginProblem(origin: string): string | undefined {
  if (origin === "*") return undefined;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return `expected an origin like "https://app.example.com", got ${JSON.stringify(origin)}`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `expected an http(s) origin, got ${JSON.stringify(origin)}`;
  if (url.origin !== origin) return `expected the exact origin ${JSON.stringify(url.origin)} (scheme://host[:port], no path or trailing slash), got ${JSON.stringify(origin)}`;
  return undefined;
}

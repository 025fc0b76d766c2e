import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { SluiceError } from "../errors/sluice-error.js";
import type { HttpRequest, HttpResponse } from "./http/types.js";

/**
 * The web console's files (built by `npm run build:console` into dist/console), served at
 * /console from memory. Nothing of it runs per API request: the routes reach it only after
 * every API path, and the files are read once, on the console's first request.
 */

/** No inline script or style, nothing from elsewhere: the console talks to this gateway only. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
};

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

interface Asset {
  body: Buffer;
  type: string;
}

const PREFIX = "/console/";

/** dist/console of this package, from src/server (tests) or dist/src/server (the build). */
function consoleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(dir, "dist", "console");
}

async function loadAssets(root: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else assets.set(relative(root, path).split(sep).join("/"), { body: await readFile(path), type: TYPES[extname(entry.name)] ?? "application/octet-stream" });
    }
  };
  if (existsSync(root)) await walk(root);
  return assets;
}

let loaded: Promise<Map<string, Asset>> | undefined;

/** GET /console and below: a built file, or the app's page for its own routes (/console/keys, ...). */
export async function serveConsole(req: HttpRequest, res: HttpResponse, path: string): Promise<void> {
  const method = req.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    throw new SluiceError("method_not_allowed", "use GET for the console");
  }
  // A failed read is tried again on the next request (the console may be built meanwhile).
  const assets = await (loaded ??= loadAssets(consoleDir()).catch((err) => {
    loaded = undefined;
    throw err;
  }));
  const index = assets.get("index.html");
  if (!index) throw new SluiceError("not_found", "the console is not built: run `npm run build`");
  const name = path.startsWith(PREFIX) ? path.slice(PREFIX.length) : "";
  const file = name.startsWith("assets/") ? assets.get(name) : undefined;
  if (name.startsWith("assets/") && !file) throw new SluiceError("not_found", `no console file ${name}`);
  const asset = file ?? index;
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "content-type": asset.type,
    "content-length": asset.body.length,
    // Built assets have content hashes in their names; the page itself is always revalidated.
    "cache-control": file ? "public, max-age=31536000, immutable" : "no-cache",
  });
  if (method === "HEAD") res.end();
  else res.end(asset.body);
}

import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The web console (served by the gateway at /console): `npm run build:console` writes it to
// dist/console. No inline script (the gateway serves it with a strict CSP) and no CDN.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist/console", import.meta.url)),
    emptyOutDir: true,
    // The polyfill would be an inline script; every browser the console targets has modulepreload.
    modulePreload: { polyfill: false },
    // No inline data: URLs for assets (the CSP allows images from the gateway only).
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});

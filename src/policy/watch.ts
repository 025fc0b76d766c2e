import { createHash } from "node:crypto";
import { mkdirSync, watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { PolicyHost } from "./host.js";
import type { SlotName } from "./slots.js";

/**
 * Pushes modules dropped into a directory: a `<slot>*.wasm` file (e.g. `pii-v2.wasm`) is
 * validated and activated like `sluice policy push`, once per content (the sha256 is
 * remembered). Writes are debounced: a file being copied in is read once it has settled.
 */
export function watchPolicyDirectory(
  host: PolicyHost,
  slot: SlotName,
  dir: string,
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void },
  settleMs = 200,
): { close(): void } {
  mkdirSync(dir, { recursive: true });
  const pushed = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();
  const onFile = async (name: string) => {
    try {
      const bytes = new Uint8Array(await readFile(join(dir, name)));
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      if (pushed.has(sha256)) return;
      pushed.add(sha256);
      const version = await host.push(slot, bytes, `watched: ${name}`);
      log.info({ slot, file: name, version: version.version, sha256 }, "policy module from the watched directory is active");
    } catch (err) {
      log.error({ slot, file: name, err: (err as Error).message }, "policy module from the watched directory was not activated");
    }
  };
  const watcher: FSWatcher = watch(dir, (_event, name) => {
    if (!name || !name.startsWith(slot) || !name.endsWith(".wasm")) return;
    clearTimeout(timers.get(name));
    timers.set(name, setTimeout(() => void onFile(name), settleMs));
  });
  return {
    close() {
      watcher.close();
      for (const t of timers.values()) clearTimeout(t);
    },
  };
}

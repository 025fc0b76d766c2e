// The watched directory: modules dropped into it are pushed like `sluice policy push`. The host
// hands over its push (a callback), so this file knows nothing of the host.
import { mkdirSync, watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../core/logger.js";
import type { SlotName } from "./definitions.js";
import { sha256Hex } from "./version-store.js";

/** Validates, stores and activates `bytes` in `slot` (PolicyHost.push); the new version. */
type PushModule = (slot: SlotName, bytes: Uint8Array, note: string) => Promise<{ version: number }>;

/**
 * Pushes modules dropped into a directory: a `<slot>*.wasm` file (e.g. `pii-v2.wasm`) is
 * validated and activated like `sluice policy push`, once per content (the sha256 is
 * remembered). Writes are debounced: a file being copied in is read once it has settled.
 */
export function watchPolicyDirectory(
  push: PushModule,
  slot: SlotName,
  dir: string,
  log: Pick<Logger, "info" | "error">,
  settleMs = 200,
): { close(): void } {
  mkdirSync(dir, { recursive: true });
  const pushed = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();
  const onFile = async (name: string) => {
    try {
      const bytes = new Uint8Array(await readFile(join(dir, name)));
      const sha256 = sha256Hex(bytes);
      if (pushed.has(sha256)) return;
      pushed.add(sha256);
      const version = await push(slot, bytes, `watched: ${name}`);
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

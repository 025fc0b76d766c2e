// Example router module (router-strong-for-code.wasm): copy this file to write your own.
// Long or code-heavy prompts go to the most capable target first -- taken here to be the most
// expensive usable one (healthy, error rate <= 0.25); every other prompt gets the default
// cost-aware order. Build: `node policy-wasm/router/build.mjs`; push: `sluice policy push router <file>`.
// For the one-copy `sluice:host` I/O of a trusted slot, call runRouteHostIo (the SDK, ../../sdk/router.ts) instead of
// runRoute, as strong_for_code_hostio.ts does.
import { runRoute, count, hasCode, lengthChars, priceIn, priceOut, moveToFront, reasonClear, reasonText, reasonId } from "../../sdk/router";
import { costAwareOrder, usable } from "./cost_aware";
import "../../sdk/abort";

const LONG_PROMPT_CHARS: u32 = 8000;

export function abi_version(): i32 { return 1; }

export function route(): i32 { return runRoute(strongForCode); }

export function strongForCode(): void {
  costAwareOrder(); // the default order and reason
  if (!hasCode && lengthChars < LONG_PROMPT_CHARS) return;
  let strongest = -1;
  for (let c = 0; c < count; c++) {
    if (!usable(c)) continue;
    if (strongest < 0 || priceIn[c] + priceOut[c] > priceIn[strongest] + priceOut[strongest]) strongest = c;
  }
  if (strongest < 0) return; // nothing usable: keep the default order
  moveToFront(strongest);
  reasonClear();
  reasonText(hasCode ? "strong-for-code: code prompt -> " : "strong-for-code: long prompt -> ");
  reasonId(strongest);
}

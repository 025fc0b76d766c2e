// The shipped detectors for modules written with the SDK (policy-wasm/sdk/pii.ts): an author's
// pii module runs them beside its own recognizers, `useBuiltins(builtinDetect)`, so it covers
// every built-in type (and the slot's conformance vectors) and only adds its own. This file
// imports nothing of the SDK's pii layer: the SDK hands it the call's rules and a sink for the
// spans (function references), so an author build that reaches it under another path still
// reports into the author's SDK instance.
import { setText } from "./text";
import { clearCandidates, resolve, spanStart, spanEnd, spanType, spanScore } from "./candidates";
import { setContextWindow } from "./contexts";
import { detect } from "./detect";
import { ACTIONS, MIN_SCORE, DEFAULT_MIN_SCORE, NAMES, LABELS, ENTITY_COUNT, entityByName } from "./entities";

/** The hook's phases (the SDK's BUILTIN_RESET, BUILTIN_RULE, BUILTIN_TEXT). */
const RESET: i32 = 0, RULE: i32 = 1;

/** The SDK's pii builtin hook: RESET (len = the call's context window) forgets the rules; RULE
 *  (ptr, len = the entity type's name) sets one type's action and min_score (-1: the type's
 *  default); TEXT (ptr, len = the text) detects and hands every resolved span to `sink`. */
export function builtinDetect(
  phase: i32, ptr: usize, len: i32, action: i32, minScore: f32,
  sink: (start: i32, end: i32, name: string, label: string, action: i32, score: f32) => void,
): void {
  if (phase == RESET) {
    for (let k = 0; k < ENTITY_COUNT; k++) unchecked(ACTIONS[k] = 0);
    memory.copy(changetype<usize>(MIN_SCORE), changetype<usize>(DEFAULT_MIN_SCORE), <usize>ENTITY_COUNT << 2);
    setContextWindow(len);
    return;
  }
  if (phase == RULE) {
    const id = entityByName(ptr, len);
    if (id < 0) return;
    unchecked(ACTIONS[id] = action);
    if (minScore >= 0) unchecked(MIN_SCORE[id] = <i32>Math.round(<f64>minScore * 1000));
    return;
  }
  setText(ptr, len);
  clearCandidates();
  detect();
  const count = resolve();
  for (let k = 0; k < count; k++) {
    const type = spanType(k);
    sink(spanStart(k), spanEnd(k), unchecked(NAMES[type]), unchecked(LABELS[type]), unchecked(ACTIONS[type]), <f32>spanScore(k) / 1000);
  }
}

// Example pii module: the shipped detectors plus a recognizer for the company's employee ids,
// written EMP-123456 (EMP, a dash, six digits; "emp" in any case). A match scores 0.7; a context
// word ("employee", "staff", "badge", "personnel") within 40 bytes before it raises it to 0.95.
// EMPLOYEE_ID is redacted unless the gateway's rules say otherwise (a rule naming EMPLOYEE_ID,
// e.g. `actions: { EMPLOYEE_ID: placeholder }` with custom types allowed, wins; min_score too).
import { runScanWith, useBuiltins, entity, report, actionOf, Action } from "@sluice/policy-sdk/pii";
import { isDigitByte, isWordByte, startsWithAt, findAscii } from "@sluice/policy-sdk";
import { builtinDetect } from "@sluice/policy-pii/assembly/builtin";
export { abi_version } from "@sluice/policy-sdk";

const EMPLOYEE_ID = entity("EMPLOYEE_ID", "EMPLOYEE", Action.REDACT);
useBuiltins(builtinDetect);

const CONTEXT = ["employee", "staff", "badge", "personnel"];
const CONTEXT_REACH: i32 = 40;
const DIGITS: i32 = 6;

export function scan(): i32 { return runScanWith(recognize); }

@inline function byteAt(text: usize, i: i32): i32 { return <i32>load<u8>(text + <usize>i); }

function hasContextBefore(text: usize, len: i32, at: i32): bool {
  const from = at > CONTEXT_REACH ? at - CONTEXT_REACH : 0;
  for (let k = 0; k < CONTEXT.length; k++) {
    const w = findAscii(text, len, CONTEXT[k], from, true);
    if (w >= 0 && w < at) return true;
  }
  return false;
}

function recognize(text: usize, len: i32): void {
  if (actionOf(EMPLOYEE_ID) == Action.NONE) return; // a rule switched it off
  for (let i = 0; i + 4 + DIGITS <= len; i++) {
    if (!startsWithAt(text, len, i, "emp-", true)) continue;
    if (i > 0 && isWordByte(byteAt(text, i - 1))) continue; // inside a longer word
    let n = 0;
    while (n < DIGITS && isDigitByte(byteAt(text, i + 4 + n))) n++;
    const end = i + 4 + n;
    if (n < DIGITS || (end < len && isWordByte(byteAt(text, end)))) continue; // 5 or 7+ digits: not an id
    report(i, end, EMPLOYEE_ID, hasContextBefore(text, len, i) ? 0.95 : 0.7);
    i = end - 1;
  }
}

// Test module for the tokens slot: the real tokens module (plain Extism I/O), except that
// `count` traps when the input carries "__trap__" and loops forever on "__loop__". It passes the
// slot's conformance vectors, so it loads; then it shows what the host does when a tokens module
// traps or hangs in production (fail open / closed, the plugin or worker recreated and
// initialised again).
import { runInit, runCount } from "../../tokens/assembly/request";
import { readExtismInput, extismInputLength, writeExtismOutput, reportExtismError } from "../../tokens/assembly/extism_io";
import { output } from "../../sdk/wire";
import "../../sdk/abort";

export function abi_version(): u32 { return 1; }

export function init(): i32 {
  const p = readExtismInput();
  return reportExtismError(runInit(p, <i32>extismInputLength()));
}

function has(p: usize, len: i32, marker: string): bool {
  const m = marker.length;
  for (let i = 0; i + m <= len; i++) {
    let k = 0;
    while (k < m && <i32>load<u8>(p + <usize>(i + k)) == marker.charCodeAt(k)) k++;
    if (k == m) return true;
  }
  return false;
}

let spins: u64 = 1;
function spin(): i32 {
  while (spins != 0) spins = spins * 6364136223846793005 + 1442695040888963407;
  return <i32>spins;
}

function run(emitIds: bool): i32 {
  const p = readExtismInput();
  const len = <i32>extismInputLength();
  if (has(p, len, "__trap__")) unreachable();
  if (has(p, len, "__loop__")) return spin();
  const code = runCount(p, len, emitIds);
  if (code != 0) return reportExtismError(code);
  writeExtismOutput(output.ptr, output.len);
  return 0;
}

export function count(): i32 { return run(false); }
export function encode(): i32 { return run(true); }

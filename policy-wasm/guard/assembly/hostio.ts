// The guard module with one-copy I/O (guard-hostio.wasm, the slot's default `builtin:guard-hostio`):
// `check` takes its input from the `sluice:host` functions (the host writes the bytes straight
// into module memory) and hands the output back the same way. Trusted slots only; guard.wasm
// (`builtin:guard`) is the same module with plain Extism I/O.
import { runCheck } from "./check";
import { output } from "../../sdk/wire";
import { input } from "../../sdk/extism";
import { OK, reportExtismError } from "./errors";
import "../../sdk/abort";
import { readHostInput, writeHostOutput } from "../../sdk/io";

export function abi_version(): i32 { return 1; }

export function check(): i32 {
  const len = readHostInput();
  const code = runCheck(input.ptr, len);
  if (code != OK) return reportExtismError(code);
  writeHostOutput(output.ptr, output.len);
  return OK;
}

export function raw_reserve(len: u32): usize { return input.reserve(<usize>len); }
export function raw_check(len: u32): i32 { return runCheck(input.ptr, <i32>len); }
export function raw_output_ptr(): usize { return output.ptr; }
export function raw_output_len(): u32 { return <u32>output.len; }

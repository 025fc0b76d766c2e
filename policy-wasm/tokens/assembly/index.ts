// The `tokens` policy module: exact cl100k_base / o200k_base token counts (tiktoken parity),
// speaking the slot ABI (proto/sluice/policy/v1/policy.proto, version 1; see request.ts).
//
// Entry points (all return 0 or an error code from errors.ts):
//   Extism:  abi_version(), init (TokensInitInput: both rank tables), count / encode
//            (TokensCountInput -> TokensCountOutput / TokensEncodeOutput)
//   raw WebAssembly (bench baseline; no Extism kernel calls; the host writes straight into
//   `memory` the same protobuf bytes):
//     raw_reserve(len) -> pointer to write `len` input bytes at
//     raw_init(len), raw_count(len), raw_encode(len) over the bytes written there
//     raw_output_ptr(), raw_output_len() -> where the last result is
// hostio.ts has the same Extism exports with input/output through `sluice:host`.
import { reserveInput } from "./buffers";
import { runInit, runCount } from "./request";
import { output } from "../../sdk/wire";
import { readExtismInput, extismInputLength, writeExtismOutput, reportExtismError } from "./extism_io";
import { OK } from "./errors";
import { UNICODE_VERSION_NUMBER } from "./generated/unicode_classes";
import "../../sdk/abort"; // compiled in for `--use abort=../sdk/abort/policyAbort`; not exported

/** ABI version of the slot messages (policy.proto). */
export function abi_version(): u32 { return 1; }

/** Unicode version of the class tables, as a number: major * 100 + minor. */
export function unicode_version(): u32 { return UNICODE_VERSION_NUMBER; }

export function init(): i32 {
  const p = readExtismInput();
  return reportExtismError(runInit(p, <i32>extismInputLength()));
}

function extismCount(emitIds: bool): i32 {
  const p = readExtismInput();
  const code = runCount(p, <i32>extismInputLength(), emitIds);
  if (code != OK) return reportExtismError(code);
  writeExtismOutput(output.ptr, output.len);
  return OK;
}

export function count(): i32 { return extismCount(false); }
export function encode(): i32 { return extismCount(true); }

export function raw_reserve(len: u32): usize { return reserveInput(<usize>len); }
export function raw_init(len: u32): i32 { return runInit(reserveInput(<usize>len), <i32>len); }
export function raw_count(len: u32): i32 { return runCount(reserveInput(<usize>len), <i32>len, false); }
export function raw_encode(len: u32): i32 { return runCount(reserveInput(<usize>len), <i32>len, true); }
export function raw_output_ptr(): usize { return output.ptr; }
export function raw_output_len(): u32 { return <u32>output.len; }

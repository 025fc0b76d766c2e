// The `tokens` policy module: exact cl100k_base / o200k_base token counts (tiktoken parity).
//
// Entry points (all return 0 or an error code from errors.ts):
//   Extism:  init (input: rank blob), count / encode (input: batch; output: see batch.ts)
//   raw WebAssembly (no Extism kernel calls; the host writes straight into `memory`):
//     raw_reserve(len) -> pointer to write `len` input bytes at
//     raw_init(len), raw_count(len), raw_encode(len) over the bytes written there
//     raw_output_ptr(), raw_output_len() -> where the last result is
// hostio.ts adds the same three calls with input/output copied by host functions.
import { reserveInput } from "./buffers";
import { loadRanks } from "./ranks";
import { runBatch, lastOutput, lastOutputLength } from "./batch";
import { readExtismInput, extismInputLength, writeExtismOutput, reportExtismError } from "./extism_io";
import { OK } from "./errors";
import { UNICODE_VERSION_NUMBER } from "./generated/unicode_classes";
import "./abort"; // compiled in for `--use abort=assembly/abort/tokensAbort`; not exported

/** Version of the byte layouts documented in batch.ts and README.md. */
export function abi_version(): u32 { return 1; }

/** Unicode version of the class tables, as a number: major * 100 + minor. */
export function unicode_version(): u32 { return UNICODE_VERSION_NUMBER; }

export function init(): i32 {
  const p = readExtismInput();
  return reportExtismError(loadRanks(p, extismInputLength()));
}

function extismBatch(emitIds: bool): i32 {
  const p = readExtismInput();
  const code = runBatch(p, extismInputLength(), emitIds);
  if (code != OK) return reportExtismError(code);
  writeExtismOutput(lastOutput(), lastOutputLength());
  return OK;
}

export function count(): i32 { return extismBatch(false); }
export function encode(): i32 { return extismBatch(true); }

export function raw_reserve(len: u32): usize { return reserveInput(<usize>len); }
export function raw_init(len: u32): i32 { return loadRanks(reserveInput(<usize>len), <usize>len); }
export function raw_count(len: u32): i32 { return runBatch(reserveInput(<usize>len), <usize>len, false); }
export function raw_encode(len: u32): i32 { return runBatch(reserveInput(<usize>len), <usize>len, true); }
export function raw_output_ptr(): usize { return lastOutput(); }
export function raw_output_len(): u32 { return <u32>lastOutputLength(); }

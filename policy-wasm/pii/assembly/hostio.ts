// The pii module with one-copy I/O: `scan` takes its input from the `sluice:host` functions
// (the host writes the bytes straight into module memory) and hands the output back the same
// way, instead of 8 bytes per Extism kernel call. A separate build (pii-hostio.wasm), because a
// module importing `sluice:host` only loads in a host that provides it; pii.wasm stays plain.
import { runScan } from "./scan";
import { runInit } from "./custom";
import { output } from "../../sdk/wire";
import { input } from "../../sdk/extism";
import { OK, reportExtismError } from "./errors";
import "../../sdk/abort";
import { readHostInput, writeHostOutput } from "../../sdk/io";

export function abi_version(): i32 { return 1; }

export function scan(): i32 {
  const len = readHostInput();
  const code = runScan(input.ptr, len);
  if (code != OK) return reportExtismError(code);
  writeHostOutput(output.ptr, output.len);
  return OK;
}

/** Custom recognizers (PiiInitInput), once, before any scan: custom.ts. */
export function init(): i32 {
  const len = readHostInput();
  return reportExtismError(runInit(input.ptr, <i32>len));
}

export function raw_reserve(len: u32): usize { return input.reserve(<usize>len); }
export function raw_scan(len: u32): i32 { return runScan(input.ptr, <i32>len); }
export function raw_init(len: u32): i32 { return runInit(input.ptr, <i32>len); }
export function raw_output_ptr(): usize { return output.ptr; }
export function raw_output_len(): u32 { return <u32>output.len; }

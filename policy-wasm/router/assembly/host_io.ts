// One-copy I/O for router modules (the *-hostio.wasm builds): the input comes from the
// `sluice:host` functions (the host writes the bytes straight into module memory) and the output
// goes back the same way, instead of 8 bytes per Extism kernel call and a kernel output block.
// A module importing `sluice:host` only loads in a host that provides it (Sluice, trusted slots):
// the plain builds (runRoute in table.ts) stay loadable by any Extism host and by worker mode.
import { input } from "../../shared/io";
import { output } from "../../shared/wire";
import { OK, routeInput } from "./table";
import { hostInputLength, hostInputCopy, hostOutputCopy } from "../../shared/sluice_host";

/** The whole `route` export around a rule, `sluice:host` I/O: read, parse, rule(), write. */
export function runRouteHostIo(rule: () => void): i32 {
  const len = hostInputLength();
  hostInputCopy(input.reserve(<usize>len));
  const code = routeInput(rule, <i32>len);
  if (code != OK) return code;
  hostOutputCopy(output.ptr, <u32>output.len);
  return OK;
}

// The example module (strong_for_code.ts) with one-copy `sluice:host` I/O
// (router-strong-for-code-hostio.wasm): same rule, trusted slots only (see hostio.ts).
import { runRouteHostIo } from "../../sdk/router";
import { strongForCode } from "./strong_for_code";
import "../../sdk/abort";

export function abi_version(): i32 { return 1; }

export function route(): i32 { return runRouteHostIo(strongForCode); }

// The Extism kernel functions the SDK calls (namespace `extism:host/env`, what every Extism host
// provides), declared here so the SDK needs no other package: the same declarations as
// @extism/as-pdk's lib/env.ts, only the ones the plain I/O path uses.
@external("extism:host/env", "input_length")
export declare function input_length(): u64;
@external("extism:host/env", "input_load_u8")
export declare function input_load_u8(offs: u64): u8;
@external("extism:host/env", "input_load_u64")
export declare function input_load_u64(offs: u64): u64;
@external("extism:host/env", "alloc")
export declare function alloc(a: u64): u64;
@external("extism:host/env", "output_set")
export declare function output_set(a: u64, b: u64): void;
@external("extism:host/env", "error_set")
export declare function error_set(a: u64): void;
@external("extism:host/env", "store_u8")
export declare function store_u8(a: u64, b: u8): void;
@external("extism:host/env", "store_u64")
export declare function store_u64(a: u64, b: u64): void;

// Sluice's one-copy I/O functions (`sluice:host`, provided by src/policy/host/instance.ts): the host
// writes the call's input straight into module memory and reads the output from it, instead of
// 8 bytes per Extism kernel call. Shared by the *-hostio builds of every module. A module that
// imports them only loads in a host that provides them (Sluice, trusted slots); the plain builds
// never call them, so they do not import them.

/** Length in bytes of this call's input. */
@external("sluice:host", "input_length")
export declare function hostInputLength(): u32;
/** Copies this call's input to `dst` (hostInputLength() bytes). */
@external("sluice:host", "input_copy")
export declare function hostInputCopy(dst: usize): void;
/** Hands `len` bytes at `src` back as this call's output. */
@external("sluice:host", "output_copy")
export declare function hostOutputCopy(src: usize, len: u32): void;

// Moved to the SDK (../sdk/wire.ts); this re-export keeps imports written against policy-wasm/shared/
// (branches started before the move) compiling. New code imports ../../sdk/wire.
export * from "../sdk/wire";

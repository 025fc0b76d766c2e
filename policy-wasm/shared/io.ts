// Moved to the SDK (../sdk/extism.ts); this re-export keeps imports written against policy-wasm/shared/
// (branches started before the move) compiling. New code imports ../../sdk/extism.
export * from "../sdk/extism";

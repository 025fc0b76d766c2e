// @sluice/policy-sdk: write a Sluice policy module in AssemblyScript. The slot layers are
// imported by their own path ("@sluice/policy-sdk/router", ".../pii", ".../guard",
// ".../tokens"); this entry has what every module needs. README.md says how to build one.
export { ABI_VERSION, abi_version } from "./abi";
export { OK, ERR_BAD_INPUT, ERR_ABI_VERSION, ERR_FIRST_CUSTOM, fail } from "./errors";
export { HOST_IO, input, readInput, writeOutput } from "./io";
export { utf16Start, utf16At, bytesEqual, startsWithAt, findAscii, isDigitByte, isAlphaByte, isWordByte, lowerByte } from "./text";
export { policyAbort } from "./abort";

import { loadWatAssembler } from '../engine/wasm/assembler.ts';

// The platform set-up every entry point does (cli/main.ts): the WebAssembly kernels'
// assembler, loaded once per test file before any geometry is built.
await loadWatAssembler();

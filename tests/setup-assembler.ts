import { loadWatAssembler } from '../engine/wasm/assembler.ts';

// The platform set-up every entry point does (engine/node/cli.ts): the WebAssembly kernels'
// assembler, loaded once per test file before any geometry is built.
await loadWatAssembler();

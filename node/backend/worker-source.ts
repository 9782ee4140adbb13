/**
 * Body of a pair-kernel worker (evaluated as CommonJS with `eval: true`, so it
 * needs no TypeScript loader in the thread). It compiles gpu.js kernels from
 * their sources on demand (cached per source and row count) and, while the call
 * it was sent for is current (ctrl[0] = epoch), runs chunks of rows taken from the
 * call's shared counter (ctrl[slot + 1]) synchronously on the WebAssembly SIMD
 * backend, writing the results straight into the shared output buffer. Each
 * chunk done is counted in ctrl[slot + 2] (Atomics.add + notify), so the main
 * thread can block on it with Atomics.wait and the engine API stays
 * synchronous. Errors set ctrl[slot + 3] and go back on `workerData.reply`.
 */
export const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { GPU } = require(workerData.gpujsPath);
const gpu = new GPU(workerData.gpuSettings);
const kernels = new Map();
parentPort.on('message', (t) => {
  const ctrl = new Int32Array(t.ctrl);
  const inputs = t.inputs.map((a) => new Float32Array(t.data, a[0], a[1]));
  const out = new Float32Array(t.data, t.outByteOffset, t.n * t.outDim);
  while (Atomics.load(ctrl, 0) === t.epoch) {
    const c = Atomics.add(ctrl, t.slot + 1, 1);
    if (c >= t.count) break;
    try {
      const i0 = c * t.size;
      const rows = Math.min(t.size, t.n - i0);
      const key = rows + '|' + t.n + '|' + t.outDim + '|' + t.source;
      let k = kernels.get(key);
      if (!k) {
        k = gpu.createKernel(t.source, rows === t.size ? t.settings : t.lastSettings);
        kernels.set(key, k);
      }
      const r = k(...inputs, t.partners, i0);
      const mode = k.kernel && k.kernel.constructor && k.kernel.constructor.mode;
      if (mode === 'cpu' && t.platformMode !== 'cpu') throw new Error('gpu.js degraded the kernel to its cpu mode in a worker');
      if (t.outDim === 1) out.set(r.subarray(0, rows), i0);
      else for (let i = 0; i < rows; i++) { const v = r[i]; for (let q = 0; q < t.outDim; q++) out[(i0 + i) * t.outDim + q] = v[q]; }
    } catch (e) {
      Atomics.store(ctrl, t.slot + 3, 1);
      workerData.reply.postMessage(String((e && e.message) || e));
    }
    Atomics.add(ctrl, t.slot + 2, 1);
    Atomics.notify(ctrl, t.slot + 2);
  }
});
`;

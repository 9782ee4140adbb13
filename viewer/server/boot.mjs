// Worker-thread entry: the main thread's tsx loader does not reach worker threads,
// so each worker registers it before importing its TypeScript entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);

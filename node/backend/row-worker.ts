import { parentPort, workerData } from 'node:worker_threads';
import { serveRows, type RowWorkerData } from './row-pool.ts';

/** A thread of the row pool (node/backend/row-pool.ts), built into dist/workers/row-worker.mjs. */
serveRows(parentPort!, workerData as RowWorkerData);

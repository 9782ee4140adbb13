// Entry of a sweep worker thread when the precompiled worker (worker-bundle.ts)
// cannot be built: worker threads start with Node's plain loader, so register
// tsx (as bin/wgf.mjs does) before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');

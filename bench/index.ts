import type { BenchSuite } from './harness.ts';
import { particleSuite } from './particles.ts';
import { backendSuite } from './backend.ts';
import { sweepSuite } from './sweep.ts';
import { modelsSuite } from './models.ts';
import { viewerSuite } from './viewer.ts';
import { otLargeSuite, otSuite } from './ot.ts';
import { gridSuite } from './grid.ts';
import { runsSuite } from './runs.ts';

/** Every benchmark suite, in the order `wgf bench` runs them. */
export const suites: BenchSuite[] = [particleSuite, sweepSuite, backendSuite, modelsSuite, viewerSuite, otSuite, otLargeSuite, gridSuite, runsSuite];

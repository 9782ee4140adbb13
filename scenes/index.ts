import type { SceneDefinition } from '../engine/index.ts';
import { aggregationBall, aggregationDisk } from './aggregation.ts';
import doubleWell from './double-well.ts';
import fokkerPlanck from './fokker-planck.ts';
import sinkhornFlow from './sinkhorn-flow.ts';
import gridFokkerPlanck from './grid-fokker-planck.ts';
import porousMedium from './porous-medium.ts';
import crowdMotion from './crowd-motion.ts';
import gridDiffusion3d from './grid-diffusion-3d.ts';
import mlpMeanField from './mlp-mean-field.ts';
import transformerTokens from './transformer-tokens.ts';
import { compareAggregationDiffusion, compareFokkerPlanck, comparePorousMedium } from './compare.ts';

/** The scene catalogue (`wgf list`), in display order. */
export const catalogue: SceneDefinition<any>[] = [fokkerPlanck, aggregationDisk, aggregationBall, doubleWell, sinkhornFlow, gridFokkerPlanck, porousMedium, crowdMotion, gridDiffusion3d, mlpMeanField, transformerTokens, compareFokkerPlanck, compareAggregationDiffusion, comparePorousMedium];

export function findScene(id: string): SceneDefinition<any> | undefined {
  return catalogue.find((s) => s.id === id);
}

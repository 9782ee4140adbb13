/**
 * wgflow's public engine API (isomorphic: runs in Node and in the browser).
 * User scene files import from 'wgflow', which resolves here.
 *
 * Curated (issue #13): what a scene, a user's energy or scheme, or a program driving
 * runs needs, named one by one. The pieces behind them (convolution passes, prox
 * solvers, cell lists, the Sinkhorn loop's helpers, kernel sources, thread pools) are
 * internals: the engine's own modules and tests import them from their files.
 */

// Core: parameters, scenes, the simulation shape, random numbers, NPY arrays.
export { Rng, type RngState } from './core/rng.ts';
export { decodeNpy, encodeNpy, type NpyArray, type NpyData, type NpyDtype } from './core/npy.ts';
export {
  ParamError, parseAssignments, resolveParams, type ParamSchema, type ParamSpec, type ParamValue, type ParamValues, type RawParams,
} from './core/params.ts';
export {
  defineScene, DivergenceError, Simulation, UsageError,
  type BuildContext, type EnergyReport, type Reference, type SceneDefinition, type SceneEstimate, type Scheme, type SchemeState,
  type SimulationInfo, type SimulationSpec, type SolverReport, type StepReport, type ViewProjection,
} from './core/simulation.ts';
export type { StateRecord, StateValue } from './core/state-record.ts';

// Acceleration: the explicit value a platform builds once and passes in BuildContext.
export type {
  Accelerator, BackendName, DeviceLoop, KernelTarget, LoopDecision, LoopRequest, LseExecutor, LseTask, PairExecutor, PairKernel, RuleSize,
} from './core/accelerator.ts';
export {
  BACKEND_NAMES, AUTO_MIN_N, autoTarget, createAccelerator, gpuJsAccelerator, parseBackend, referenceAccelerator, type AcceleratorOptions,
} from './backend/index.ts';
export { sequentialLse } from './ot/lse-executor.ts';

// Particles: measures, energies, the forward scheme and its simulation factory.
export { ParticleMeasure } from './particles/measure.ts';
export type { ParticleEnergy } from './particles/energy.ts';
export {
  doubleWellPotential, Potential, quadraticPotential, userPotential, type PotentialFunction, type PotentialWithGradient,
} from './particles/potential.ts';
export {
  gaussianKernel, logRepulsionKernel, morseKernel, newtonRepulsionKernel, powerKernel, quadraticKernel, type RadialKernel,
} from './particles/radial-kernels.ts';
export { Interaction, type InteractionOptions } from './particles/interaction.ts';
export { BlobEntropy, BlobSums, type BlobOptions } from './particles/blob-entropy.ts';
export { KdeEntropy } from './particles/langevin-noise.ts';
export { BlobPorous } from './particles/blob-porous.ts';
export { MeshInteraction, MESH_DEFAULTS, type MeshOptions } from './particles/mesh/mesh-interaction.ts';
export { BlobMesh, type BlobMeshOptions } from './particles/mesh/blob-mesh.ts';
export {
  BLOB_METHODS, INTERACTION_METHODS, resolveBlobMethod,
  type BlobMethod, type BlobMethodRequest, type InteractionMethod, type InteractionMethodRequest,
} from './particles/mesh/method-rule.ts';
export { forwardScheme, type ForwardScheme, type ForwardSchemeOptions, type ParticleState } from './particles/forward-scheme.ts';
export { accelerateEnergies, particleSimulation, type ParticleSimulationOptions } from './particles/particle-simulation.ts';
export { gaussianCloud, uniformBox, uniformSphere, unitSphereOutline } from './particles/init.ts';

// Metrics of particle clouds.
export { covariance, diameter, mean, spread } from './metrics/moments.ts';
export { maxRadius, radialKsToUniformBall, radialW1ToUniformBall } from './metrics/radial-cdf.ts';
export { slicedW2ToUniformBall } from './metrics/sliced-to-ball.ts';

// Optimal transport: one Sinkhorn loop over pluggable geometries and marginal updates.
export type { SinkhornGeometry } from './ot/geometry.ts';
export { balancedMarginal, klProxMarginal, unbalancedMarginal, type MarginalUpdate } from './ot/marginals.ts';
export { epsilonSchedule, sinkhornLoop, type SinkhornLoopOptions, type SinkhornLoopResult } from './ot/sinkhorn-loop.ts';
export { PointCloudGeometry } from './ot/point-cloud-geometry.ts';
export { KernelGeometry, kernelFits, kernelPreferred, KERNEL_AUTO_MAX_ENTRIES, KERNEL_AUTO_MAX_ENTRIES_F32, KERNEL_AUTO_MAX_ENTRIES_SIMD, KERNEL_MAX_ENTRIES } from './ot/kernel-geometry.ts';
export { DenseCostGeometry } from './ot/dense-geometry.ts';
export {
  barycentricMap, checkCouplingSize, COUPLING_MAX_ENTRIES, sinkhorn, type SinkhornMode, type SinkhornOptions, type SinkhornResult,
} from './ot/sinkhorn.ts';
export { sinkhornDivergence, type DivergenceOptions, type DivergenceResult } from './ot/divergence.ts';
export { wassersteinPower1d } from './ot/exact1d.ts';
export { slicedWassersteinPower, slicedWassersteinPowers, type SlicedMeasure, type SlicedOptions } from './ot/sliced.ts';
export { gaussianW2Squared } from './ot/bures.ts';
export { SinkhornDivergenceEnergy, type SinkhornEnergyOptions } from './ot/sinkhorn-energy.ts';

// Grids: densities moved by entropic or exact (back-and-forth) JKO steps.
export { checkGridMemory, Grid, GRID_BYTES_PER_CELL, GRID_MEMORY_LIMIT_BYTES } from './grid/grid.ts';
export { GridMeasure, normalizedMasses, uniformMasses } from './grid/grid-measure.ts';
export { gaussianTaps, type GaussianTaps } from './grid/gaussian-taps.ts';
export { GridGibbsGeometry, type KernelForm } from './grid/gibbs-geometry.ts';
export type { GibbsKernelOptions } from './grid/gibbs-kernel.ts';
export { Congestion, GridEntropy, GridPotential, Obstacles, PorousMedium, type GridEnergy } from './grid/grid-energy.ts';
export type { PointwiseModel } from './grid/pointwise-model.ts';
export { GridInteraction } from './grid/grid-interaction.ts';
export { EntropicJKO, JKO_MAX_ITER, JKO_TOL, type EntropicJKOOptions, type JKOStepReport } from './grid/entropic-jko.ts';
export type { ConjugateResult } from './grid/exact/pointwise-dual.ts';
export { ExactJKO, type ExactJKOOptions, type ExactJKOState, type ExactJKOStepReport } from './grid/exact/exact-jko.ts';
export {
  entropicJkoScheme, exactJkoScheme, gridSimulation, type GridSimulation, type GridSimulationOptions, type GridState,
} from './grid/grid-simulation.ts';
export { barenblatt, gaussianJkoStationaryVariance, klDivergence, l1Distance } from './grid/references.ts';
export { geodesicDistance } from './grid/geodesic-distance.ts';
export { jkoOptions, jkoParams } from './grid/jko-params.ts';

// One free energy, two discretizations (particles and grid), and the comparison run.
export {
  defineFreeEnergy, describeFreeEnergy, freeEnergyTerms, FreeEnergyTermError, gridEnergies, particleEnergies, sumKernel,
  type FreeEnergy, type FreeEnergyTerm, type GridDiscretization, type InteractionTerm, type ParticleDiscretization, type ParticleDiscretizationOptions,
} from './energy/free-energy.ts';
export {
  cloudGridDistance, cloudGridDistances, distanceMethod, gridCellCloud, type ReferenceDistance, gridCloud, sampleGridDensity, type CloudGridDistance, type CloudGridDistanceOptions,
} from './energy/cloud-grid-distance.ts';
export { comparisonSimulation, type ComparisonOptions, type ComparisonSimulation, type ComparisonState } from './energy/comparison.ts';

// The run loop: the clock, callbacks on schedules, guards, records.
export { recordOf, Runner, standardGuards, type RunnerOptions, type RunnerState } from './run/runner.ts';
export type { Callback, RunContext, RunnerStateLike, Stop } from './run/callback.ts';
export { energyGrowthGuard, EXPLOSION_FACTOR, nonFiniteGuard, solverGuard } from './run/guards.ts';
export { anyOf, eachStep, everySteps, everyTime, wallClock, type Clock, type Schedule } from './run/schedule.ts';
export type { MetricRecord, RunHint, RunStatus, RunSummary } from './run/record.ts';

// Models whose training or inference is a particle flow: two-layer networks, transformers' tokens.
export { activationByName, ACTIVATIONS, type Activation, type ActivationName } from './models/mlp/activations.ts';
export { DATA_KINDS, makeMlpData, makeTeacher, type DataKind, type MlpData, type MlpDataOptions, type Teacher } from './models/mlp/dataset.ts';
export { balancedNeurons } from './models/mlp/init.ts';
export { NetworkScratch, neuronDim, predict, type RegressionSet } from './models/mlp/network.ts';
export { MeanFieldRisk } from './models/mlp/risk.ts';
export { teacherSlicedW2 } from './models/mlp/teacher-distance.ts';
export { mlpSimulation, type MlpSimulation, type MlpSimulationOptions } from './models/mlp/mlp-simulation.ts';
export { makeAttentionWeights, QKV_KINDS, type AttentionWeights, type QkvKind } from './models/transformer/qkv.ts';
export { ATTENTION_KERNEL_MAX_ENTRIES, DotProductGeometry } from './models/transformer/attention-geometry.ts';
export { SinkhornAttention, type SinkhornAttentionOptions, type SinkhornAttentionReport } from './models/transformer/sinkhorn-attention.ts';
export { ATTENTION_KINDS, AttentionField, type AttentionFieldOptions, type AttentionKind } from './models/transformer/token-field.ts';
export { INTEGRATORS, type IntegratorName } from './models/transformer/integrators.ts';
export { attentionEnergy, countClusters, logAttentionEnergy } from './models/transformer/token-metrics.ts';
export { attentionFlowScheme, tokenSimulation, type TokenSimulation, type TokenSimulationOptions, type TokenState } from './models/transformer/token-simulation.ts';

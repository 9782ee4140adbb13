import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { resolveParams, type RawParams } from '../../engine/core/params.ts';
import { recordOf } from '../../engine/run/runner.ts';
import { catalogue, findScene } from '../../scenes/index.ts';
import { checkParamChange, DEFAULT_LIMITS, exceedsLimits, parseByteSize, parseCount, refusal } from '../../viewer/server/scene-limits.ts';
import { referenceAccelerator } from '../../engine/backend/accelerator.ts';

const scene = (id: string) => findScene(id)!;
const estimate = (id: string, raw: RawParams) => scene(id).estimate!(resolveParams(scene(id).params, raw));

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

/**
 * ArrayBuffer bytes after garbage collection: V8 frees dead buffers' memory in a sweep that a
 * GC starts and the next one finishes, so collect until the figure stops changing.
 */
function settledArrayBytes(): number {
  gc();
  let a = process.memoryUsage().arrayBuffers;
  for (let k = 0; k < 5; k++) {
    gc();
    const b = process.memoryUsage().arrayBuffers;
    if (b === a) break;
    a = b;
  }
  return a;
}

const turn = () => new Promise((r) => setImmediate(r));

/** ArrayBuffer bytes held by a scene built with `raw` after one step and one record (the test runner gets a turn between). */
async function liveBytes(id: string, raw: RawParams): Promise<number> {
  const def = scene(id);
  const before = settledArrayBytes();
  const sim = def.build(resolveParams(def.params, raw), { accelerator: referenceAccelerator() });
  await turn();
  sim.advance();
  await turn();
  recordOf(sim, 1, sim.info.dt);
  const held = settledArrayBytes() - before;
  expect(sim.measure().length).toBeGreaterThan(0); // keeps `sim` alive until after the measurement
  return held;
}

describe('scene estimates (memory and work per step, stated before building)', () => {
  it('every catalogue scene states one, and its defaults are within the default limits of wgf view', () => {
    for (const def of catalogue) {
      expect(def.estimate, def.id).toBeTypeOf('function');
      const e = def.estimate!(resolveParams(def.params, {}));
      expect(e.bytes, def.id).toBeGreaterThan(0);
      expect(e.workPerStep, def.id).toBeGreaterThan(0);
      expect(exceedsLimits(def, resolveParams(def.params, {}), DEFAULT_LIMITS), def.id).toBeNull();
    }
  });

  it.each([
    // The cases of issue #11: in range, but enormous.
    ['mlp-mean-field', { train: 1e7, d: 100 }, /^mlp-mean-field with d=100, train=10000000 needs about 19\.\d GiB of memory \(limit 2\.00 GiB\) and about 2\.1e12 operations per step \(limit 1\.0e11\) \[memory: data/],
    ['aggregation-disk', { n: 1e6, interaction: 'direct' }, /^aggregation-disk with n=1000000, interaction=direct needs about 2\.4e13 operations per step \(limit 1\.0e11\)/],
    ['transformer-tokens', { n: 1e5, attention: 'sinkhorn' }, /^transformer-tokens with n=100000, attention=sinkhorn needs about 6\.1e13 operations per step \(limit 1\.0e11\) \[memory: .*; work: attention over n² pairs/],
    ['grid-diffusion-3d', { grid: 400 }, /^grid-diffusion-3d with grid=400 needs about 9\.5\d GiB of memory/],
  ])('refuses %s with %j, naming the parameters responsible and the limit', (id, raw, why) => {
    const excess = exceedsLimits(scene(id), resolveParams(scene(id).params, raw), DEFAULT_LIMITS);
    expect(excess?.message).toMatch(why);
    expect(refusal(excess!)).toMatch(/; choose smaller values or raise --max-(memory|work)/);
  });

  it('names only the parameters that make the estimate large', () => {
    // seed and dt change nothing; n does.
    const excess = exceedsLimits(scene('aggregation-ball'), resolveParams(scene('aggregation-ball').params, { n: 300_000, seed: 4, dt: 0.01, interaction: 'direct' }), DEFAULT_LIMITS);
    expect(excess?.message).toMatch(/^aggregation-ball with n=300000, interaction=direct needs/);
  });

  it('grows as the mathematics says: pair sums n², training data train × d, grids cells × kernel width', () => {
    const ratio = (id: string, q: 'bytes' | 'workPerStep', a: RawParams, b: RawParams) => estimate(id, b)[q] / estimate(id, a)[q];
    expect(ratio('aggregation-disk', 'workPerStep', { n: 100_000, interaction: 'direct' }, { n: 200_000, interaction: 'direct' })).toBeCloseTo(4, 1);
    expect(ratio('fokker-planck', 'workPerStep', { n: 100_000, entropy_method: 'direct' }, { n: 200_000, entropy_method: 'direct' })).toBeCloseTo(4, 1);
    expect(ratio('aggregation-disk', 'bytes', { n: 100_000, interaction: 'direct' }, { n: 200_000, interaction: 'direct' })).toBeCloseTo(2, 5);
    expect(ratio('transformer-tokens', 'workPerStep', { n: 20_000 }, { n: 40_000 })).toBeCloseTo(4, 1);
    expect(ratio('mlp-mean-field', 'bytes', { train: 1e6, test: 1, d: 50 }, { train: 2e6, test: 1, d: 50 })).toBeCloseTo(2, 1);
    expect(ratio('mlp-mean-field', 'workPerStep', { train: 1e5, test: 1, m: 100 }, { train: 1e5, test: 1, m: 200 })).toBeCloseTo(2, 1);
    // A 2D grid: cells ×4 when the grid doubles; the kernel half-width in cells doubles too (same ε, half the spacing).
    expect(ratio('grid-fokker-planck', 'bytes', { grid: 200 }, { grid: 400 })).toBeCloseTo(4, 5);
    expect(ratio('grid-fokker-planck', 'workPerStep', { grid: 200 }, { grid: 400 })).toBeGreaterThan(7);
    // Sinkhorn attention stores its n×n kernel up to 2^25 entries: 8 n² bytes.
    expect(estimate('transformer-tokens', { n: 4000, attention: 'sinkhorn' }).bytes).toBeGreaterThan(8 * 4000 ** 2);
  });

  it('counts the method `auto` resolves to: the mesh and its neighbours are O(n log n), so 10⁶ particles fit the default limits', () => {
    const work = (id: string, raw: RawParams) => estimate(id, raw).workPerStep;
    for (const [id, method] of [['aggregation-disk', 'interaction'], ['aggregation-ball', 'interaction'], ['fokker-planck', 'entropy_method']] as const) {
      // Doubling n doubles the work and a little more (the mesh is a power of two: it may stay the same size or
      // double; the blob's mesh also refines as δ ∝ n^{−1/(d+4)} shrinks), well below the n² sums' 4.
      const r = work(id, { n: 200_000 }) / work(id, { n: 100_000 });
      expect(r, id).toBeGreaterThan(1.2);
      expect(r, id).toBeLessThan(3);
      // The direct sums at the same n are orders of magnitude dearer, and the estimate says which one it counted.
      expect(work(id, { n: 100_000, [method]: 'direct' }), id).toBeGreaterThan(30 * work(id, { n: 100_000 }));
      expect(estimate(id, { n: 100_000 }).note, id).toMatch(/work: (interaction: p3m|entropy: mesh)/);
    }
    for (const id of ['aggregation-disk', 'aggregation-ball', 'fokker-planck', 'double-well']) {
      expect(exceedsLimits(scene(id), resolveParams(scene(id).params, { n: 1e6 }), DEFAULT_LIMITS), id).toBeNull();
    }
    // Mesh memory counted: the P³M estimate holds more than the particles' arrays at the same n.
    expect(estimate('aggregation-disk', { n: 1e6 }).bytes).toBeGreaterThan(estimate('aggregation-disk', { n: 1e6, interaction: 'direct' }).bytes + 64 * 2 ** 20);
  });

  // Bytes of typed arrays really held (ArrayBuffers after a garbage collection): the estimate must cover them
  // (the limit protects memory) without being more than 5× too pessimistic (it would refuse what fits).
  it.each([
    // Sizes where the scene's own arrays dominate, and a step plus a record stay under a few seconds.
    ['fokker-planck', { n: 3000 }],
    // direct: the blob mesh is sized for the run's spread (both wells), which one step from the left well does not reach.
    ['double-well', { n: 3000, entropy_method: 'direct' }],
    ['aggregation-ball', { n: 3000 }],
    // auto: P³M (mesh 512² padded, cell list) and the blob on a mesh.
    ['aggregation-disk', { n: 20_000 }],
    ['fokker-planck', { n: 20_000 }],
    ['sinkhorn-flow', { n: 800, m: 800, eps: 0.1 }],
    ['grid-fokker-planck', { grid: 200 }],
    ['grid-diffusion-3d', { grid: 40 }],
    ['porous-medium', { grid: 200 }],
    ['crowd-motion', { grid: 256 }],
    ['mlp-mean-field', { m: 8, train: 200_000, test: 100_000, d: 20 }],
    ['transformer-tokens', { n: 1500, integrator: 'euler', attention: 'sinkhorn' }],
  ])('the memory estimate of %s %j covers the bytes it allocates', async (id, raw) => {
    const held = await liveBytes(id, raw);
    const { bytes } = estimate(id, raw);
    // 256 kB: the measurement's own noise (small arrays of other modules, kernel tables).
    expect(held).toBeLessThanOrEqual(bytes + 256 * 1024);
    expect(bytes).toBeLessThanOrEqual(5 * held + 256 * 1024);
  });
});

describe('limits and parameter changes', () => {
  it('parses the sizes of --max-memory and --max-work', () => {
    expect(parseByteSize('2GiB')).toBe(2 * 2 ** 30);
    expect(parseByteSize('512 MiB')).toBe(512 * 2 ** 20);
    expect(parseByteSize('1.5GB')).toBe(1.5e9);
    expect(parseByteSize('4e9')).toBe(4e9);
    for (const bad of ['', 'lots', '-1GiB', '0', '2 parsecs', 'Infinity']) expect(parseByteSize(bad), bad).toBeNull();
    expect(parseCount('1e11')).toBe(1e11);
    for (const bad of ['', 'many', '-5', '0', '1e400']) expect(parseCount(bad), bad).toBeNull();
  });

  it('checks a browser parameter change against the schema and the limits, repeating no value sent', () => {
    const def = scene('mlp-mean-field');
    const current = resolveParams(def.params, {});
    expect(checkParamChange(def, current, { m: 64 }, DEFAULT_LIMITS).m).toBe(64);
    expect(() => checkParamChange(def, current, { nonsense: 1 }, DEFAULT_LIMITS)).toThrow(/^unknown parameter \(allowed: m, teacher, d, /);
    expect(() => checkParamChange(def, current, { constructor: 1 }, DEFAULT_LIMITS)).toThrow(/^unknown parameter/);
    expect(() => checkParamChange(def, current, { m: -12345 }, DEFAULT_LIMITS)).toThrow(/^parameter 'm' must be an integer in \[1, 1000000\]$/);
    expect(() => checkParamChange(def, current, { train: 1e7, d: 100 }, DEFAULT_LIMITS)).toThrow(/^mlp-mean-field with d=100, train=10000000 needs about .* GiB of memory \(limit 2\.00 GiB\).*raise --max-memory and --max-work$/);
    // A raised limit lets it through.
    expect(checkParamChange(def, current, { train: 1e7, d: 100 }, { maxBytes: 2 ** 40, maxWork: 1e15 }).train).toBe(1e7);
  });
});

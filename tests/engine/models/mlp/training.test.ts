import { describe, expect, it } from 'vitest';
import {
  mlpSimulation, ParamError, Rng, activationByName, balancedNeurons, makeMlpData, resolveParams, ACTIVATIONS,
  type MlpData,
} from '../../../../engine/index.ts';
import scene from '../../../../scenes/mlp-mean-field.ts';
import { referenceAccelerator } from '../../../../engine/backend/accelerator.ts';

function teacherStudent(d: number, activation = 'relu', train = 200, test = 200, seed = 0): MlpData {
  return makeMlpData(new Rng(seed), { kind: 'sphere', d, teacher: 3, train, test, activation: activationByName(activation) });
}

describe('mean-field MLP training', () => {
  it('splitting every neuron into two half-weight copies leaves the dynamics unchanged', () => {
    const act = activationByName('tanh');
    const data = makeMlpData(new Rng(3), { kind: 'gaussian', d: 3, teacher: 2, train: 50, test: 10, activation: act });
    const m = 8;
    const theta = balancedNeurons(new Rng(4), m, 3, 0.5);
    const split = new Float64Array(2 * theta.length);
    for (let i = 0; i < m; i++) {
      split.set(theta.subarray(5 * i, 5 * i + 5), 10 * i);
      split.set(theta.subarray(5 * i, 5 * i + 5), 10 * i + 5);
    }
    const a = mlpSimulation({ theta, d: 3, activation: act, data, dt: 0.2, seed: 0, bias: true });
    const b = mlpSimulation({ theta: split, d: 3, activation: act, data, dt: 0.2, seed: 0, bias: true });
    for (let k = 0; k < 100; k++) {
      a.advance();
      b.advance();
    }
    // f_μ is the same function (ω a σ summed once or as two halves): the copies follow the
    // original neuron. Only the summation order of f differs (~1e-16 per step), and the
    // smooth flow amplifies it by at most e^{Lt} with L t = O(1) here: 1e-12 is generous.
    let err = 0;
    for (let i = 0; i < m; i++)
      for (let c = 0; c < 5; c++) {
        err = Math.max(err, Math.abs(a.state.x[5 * i + c] - b.state.x[10 * i + c]));
        err = Math.max(err, Math.abs(a.state.x[5 * i + c] - b.state.x[10 * i + 5 + c]));
      }
    expect(err).toBeLessThan(1e-12);
    expect(Math.abs(a.energy().total - b.energy().total)).toBeLessThan(1e-14);
  });

  for (const name of ACTIVATIONS) {
    it(`risk decreases monotonically under full-batch small-dt flow (${name})`, () => {
      const data = teacherStudent(3, name, 100, 10, 1);
      const sim = mlpSimulation({ theta: balancedNeurons(new Rng(2), 32, 3, 0.5), d: 3, activation: activationByName(name), data, dt: 0.05, seed: 0 });
      let prev = sim.energy().total;
      const first = prev;
      for (let k = 0; k < 200; k++) {
        sim.advance();
        const e = sim.energy().total;
        // Forward Euler on an L-smooth risk decreases it when dt < 2/L; allow round-off only.
        expect(e).toBeLessThanOrEqual(prev + 1e-15);
        prev = e;
      }
      expect(prev).toBeLessThan(first);
    });
  }

  it('Armijo backtracking keeps the risk decreasing at a step far too large for plain descent', () => {
    const data = teacherStudent(3, 'tanh', 60, 10, 2);
    const make = (backtracking: boolean) => mlpSimulation({ theta: balancedNeurons(new Rng(3), 16, 3, 0.5), d: 3, activation: activationByName('tanh'), data, dt: 200, seed: 0, backtracking });
    const plain = make(false);
    const bt = make(true);
    const e0 = bt.energy().total;
    let prev = e0, plainUp = false;
    for (let k = 0; k < 20; k++) {
      const p0 = plain.energy().total;
      plain.advance();
      if (plain.energy().total > p0) plainUp = true;
      bt.advance();
      const e = bt.energy().total;
      // Armijo: F(x + τv) ≤ F(x) − 1e−4 τ ‖v‖², so never above the previous value.
      expect(e).toBeLessThanOrEqual(prev);
      prev = e;
    }
    expect(plainUp).toBe(true); // the test is not vacuous: dt = 200 overshoots without backtracking
    expect(bt.metrics(0).tau).toBeLessThan(200);
    expect(prev).toBeLessThan(e0);
  });

  it('m ≫ teacher: test risk falls below 1e-3 of its initial value (ReLU, d = 3, sphere)', () => {
    const data = teacherStudent(3, 'relu', 256, 256, 0);
    const sim = mlpSimulation({ theta: balancedNeurons(new Rng(1), 128, 3, 0.1), d: 3, activation: activationByName('relu'), data, dt: 0.5, seed: 2, bias: false });
    const m0 = sim.metrics(0);
    for (let k = 0; k < 1500; k++) sim.advance();
    const m1 = sim.metrics(0);
    expect(m1.test_risk / m0.test_risk).toBeLessThan(1e-3);
    // The output mass of the student concentrates on the teacher's 3 directions.
    expect(m1.teacher_sw2).toBeLessThan(0.25 * m0.teacher_sw2);
  });

  it('snapshot/restore continues bit-identically (minibatch SGD + Langevin noise + weight decay)', () => {
    const data = teacherStudent(3, 'gelu', 64, 16, 5);
    const make = () => mlpSimulation({
      theta: balancedNeurons(new Rng(6), 16, 3, 0.3), d: 3, activation: activationByName('gelu'), data, dt: 0.1, seed: 7,
      batch: 8, temperature: 1e-3, lambda: 1e-2, bias: true,
    });
    const a = make();
    for (let k = 0; k < 10; k++) a.advance();
    const c = a.snapshot();
    for (let k = 0; k < 10; k++) a.advance();
    const b = make();
    b.restore(structuredClone(c));
    for (let k = 0; k < 10; k++) b.advance();
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(a.energy().terms).toHaveProperty('weight_decay');
    expect(a.energy().terms).toHaveProperty('entropy');
  });

  it('the state is the parameters [m, d+2]; frames show the picture [m, 2d+2] (|a| w, then the parameters); --init takes either', () => {
    const sim = scene.build(resolveParams(scene.params, { m: 10, train: 20, test: 20 }), { accelerator: referenceAccelerator() });
    expect(sim.info.shape).toEqual([10, 5]);
    expect(sim.info.view?.shape).toEqual([10, 8]);
    const theta = new Float64Array(50);
    for (let i = 0; i < 10; i++) theta.set([-2, 1, 0.5, 0, 0.25], 5 * i);
    sim.setInitial(theta, [10, 5]);
    expect(Array.from(sim.measure().subarray(0, 5))).toEqual([-2, 1, 0.5, 0, 0.25]);
    const frame = sim.frame();
    expect(frame.shape).toEqual([10, 8]);
    expect(Array.from(frame.data.subarray(0, 8))).toEqual([2, 1, 0, -2, 1, 0.5, 0, 0.25]);
    // A frame (the picture) also starts a run: its parameter columns are taken.
    const other = scene.build(resolveParams(scene.params, { m: 10, train: 20, test: 20, seed: 4 }), { accelerator: referenceAccelerator() });
    other.setInitial(frame.data.slice(), [10, 8]);
    expect(Array.from(other.measure())).toEqual(Array.from(theta));
    // The teacher in the picture's layout: 3 unit vectors |a*| w* (a* = 1, |w*| = 1).
    const ref = sim.reference()!;
    expect(ref.shape).toEqual([3, 8]);
    for (let j = 0; j < 3; j++) expect(Math.hypot(ref.data[8 * j], ref.data[8 * j + 1], ref.data[8 * j + 2])).toBeCloseTo(1, 14);
    expect(() => sim.setInitial(new Float64Array(30), [10, 3])).toThrow(/\[10, 5\] = \[m, d\+2\].*or a state \[10, 8\]/);
  });
});

describe('mlp-mean-field bad input', () => {
  it('names the parameter and the allowed values', () => {
    expect(() => activationByName('swish')).toThrow(ParamError);
    expect(() => activationByName('swish')).toThrow(/'activation' must be one of relu, tanh, sigmoid, gelu; got 'swish'/);
    expect(() => resolveParams(scene.params, { activation: 'swish' })).toThrow(/parameter 'activation' must be one of relu, tanh, sigmoid, gelu/);
    expect(() => resolveParams(scene.params, { m: 0 })).toThrow(/parameter 'm' must be an integer in \[1, /);
    expect(() => scene.build(resolveParams(scene.params, { data: 'regression', d: 3 }), { accelerator: referenceAccelerator() })).toThrow(/parameter 'd' must be 1 or 2 for data=regression/);
    expect(() => scene.build(resolveParams(scene.params, { backtracking: true, batch: 16 }), { accelerator: referenceAccelerator() })).toThrow(/parameter 'backtracking' needs a deterministic full-batch flow/);
    expect(() => scene.build(resolveParams(scene.params, { data: 'sphere', d: 1 }), { accelerator: referenceAccelerator() })).toThrow(/parameter 'd' must be at least 2 for data=sphere/);
  });
});

import { describe, expect, it } from 'vitest';
import { Rng, makeTeacher, teacherSlicedW2 } from '../../../../engine/index.ts';
import { massDirections } from '../../../../engine/models/mlp/teacher-distance.ts';

describe('distance of a student to its teacher', () => {
  it('is 0 for a student made of copies of the teacher neurons (any split of the mass)', () => {
    const T = makeTeacher(new Rng(1), 3, 3);
    // 6 students: each teacher neuron twice, with |a|·|w| scaled so the output mass is unchanged.
    const theta = new Float64Array(6 * 5);
    for (let j = 0; j < 3; j++) {
      for (const [c, s] of [[0, 0.5], [1, 1.5]] as const) {
        const row = theta.subarray((2 * j + c) * 5, (2 * j + c) * 5 + 5);
        row.set(T.theta.subarray(5 * j, 5 * j + 5));
        row[0] *= s; // mass ω a |w| with ω = 1/6: (1/6)(0.5 + 1.5) = 1/3 per teacher neuron
      }
    }
    const omega = new Float64Array(6).fill(1 / 6);
    expect(teacherSlicedW2(theta, omega, T.theta, T.omega, 3, false)).toBeLessThan(1e-7);
    // Neurons without output weight carry no mass and do not count.
    const dirs = massDirections(theta, omega, 3, false);
    expect(dirs.mass.reduce((p, q) => p + q, 0)).toBeCloseTo(1, 14);
  });

  it('of a single neuron at angle φ from a single teacher neuron is the sliced distance of two unit vectors', () => {
    const phi = 0.4;
    const teacher = new Float64Array([1, 1, 0, 0, 0]);
    const student = new Float64Array([1, Math.cos(phi), Math.sin(phi), 0, 0]);
    const one = new Float64Array([1]);
    // SW2² = E_θ⟨u − v, θ⟩² = |u − v|²/d for θ uniform on S^{d−1}. One sample cos²
    // has relative std √(1/5 − 1/9)/(1/3) ≈ 0.89 on S², so with L = 64 directions SW2 is
    // within ≈ 0.89/(2·8) ≈ 6% (1σ) of the exact value: ±25% is over 4σ.
    const exact = Math.sqrt((2 - 2 * Math.cos(phi)) / 3);
    const got = teacherSlicedW2(student, one, teacher, one, 3, false);
    expect(got / exact).toBeGreaterThan(0.75);
    expect(got / exact).toBeLessThan(1.25);
  });

  it('records of one run (θ moved in place, its buffers and sort hints reused) give the bits of a fresh call', () => {
    const rng = new Rng(7);
    const T = makeTeacher(rng, 3, 3);
    const m = 257;
    const theta = new Float64Array(m * 5).map(() => rng.normal());
    const omega = new Float64Array(m).fill(1 / m);
    for (let record = 0; record < 6; record++) {
      const reused = teacherSlicedW2(theta, omega, T.theta, T.omega, 3, true);
      const fresh = teacherSlicedW2(Float64Array.from(theta), omega, T.theta, T.omega, 3, true);
      expect(Object.is(reused, fresh)).toBe(true);
      // A small move, as between records, and one neuron jumping across the others.
      for (let i = 0; i < theta.length; i++) theta[i] += 0.01 * rng.normal();
      theta[5 * (record % m) + 1] *= -3;
    }
  });
});

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
});

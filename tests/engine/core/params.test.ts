import { describe, expect, it } from 'vitest';
import { ParamError, parseAssignments, resolveParams, type ParamSchema } from '../../../engine/index.ts';

const schema = {
  n: { type: 'integer', default: 10, min: 1, max: 100, description: 'particles' },
  dt: { type: 'number', default: 0.1, min: 0, minExclusive: true, max: 1, description: 'step' },
  mode: { type: 'choice', default: 'a', values: ['a', 'b'], description: 'mode' },
  flag: { type: 'boolean', default: false, description: 'flag' },
} as const satisfies ParamSchema;

describe('scene parameters', () => {
  it('applies defaults and parses overrides from strings', () => {
    expect(resolveParams(schema)).toEqual({ n: 10, dt: 0.1, mode: 'a', flag: false });
    expect(resolveParams(schema, parseAssignments(['n=20', 'dt=0.5', 'mode=b', 'flag=true']))).toEqual({ n: 20, dt: 0.5, mode: 'b', flag: true });
  });

  it('names the parameter and its allowed range in every error', () => {
    expect(() => resolveParams(schema, { nope: 1 })).toThrow(/unknown parameter 'nope' \(allowed: n, dt, mode, flag\)/);
    expect(() => resolveParams(schema, { n: '2.5' })).toThrow(/parameter 'n' must be an integer in \[1, 100\]; got '2.5'/);
    expect(() => resolveParams(schema, { n: '0' })).toThrow(ParamError);
    expect(() => resolveParams(schema, { dt: '0' })).toThrow(/parameter 'dt' must be a number in \(0, 1\]/);
    expect(() => resolveParams(schema, { dt: 'abc' })).toThrow(/got 'abc'/);
    expect(() => resolveParams(schema, { mode: 'c' })).toThrow(/parameter 'mode' must be one of a, b/);
    expect(() => resolveParams(schema, { flag: 'maybe' })).toThrow(/true or false/);
    expect(() => parseAssignments(['n'])).toThrow(/--set expects key=value/);
  });

  it("refuses names inherited from Object.prototype and never changes the prototype of the overrides", () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const raw = parseAssignments([`${name}=1`]);
      expect(Object.keys(raw)).toEqual([name]);
      expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
      expect(() => resolveParams(schema, raw), name).toThrow(new RegExp(`unknown parameter '${name}'`));
    }
  });

  it('reads numbers in decimal notation only', () => {
    for (const bad of ['0x10', '0b11', '0o7', '1_000', 'Infinity', '1e', '.', '']) {
      expect(() => resolveParams(schema, { n: bad }), bad).toThrow(/parameter 'n' must be an integer/);
    }
    for (const [text, value] of [['12', 12], ['+7', 7], [' 30 ', 30], ['1e1', 10], ['20.', 20]] as const) expect(resolveParams(schema, { n: text }).n).toBe(value);
    for (const [text, value] of [['.5', 0.5], ['-0.0e0', NaN], ['5e-1', 0.5]] as const) {
      if (Number.isNaN(value)) expect(() => resolveParams(schema, { dt: text })).toThrow(/parameter 'dt'/);
      else expect(resolveParams(schema, { dt: text }).dt).toBe(value);
    }
  });
});

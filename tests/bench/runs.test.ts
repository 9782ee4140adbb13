import { describe, expect, it } from 'vitest';
import { COMPARISONS, LARGE } from '../../bench/runs.ts';
import { catalogue } from '../../scenes/index.ts';

/** `wgf bench --suite runs` (issue #19): every catalogue scene is timed at its default size and at a large one. */
describe('bench runs suite: its scene lists', () => {
  it('has a large size for every catalogue scene, the comparison scenes included, with parameters the scene has', () => {
    const ids = catalogue.map((d) => d.id);
    expect(Object.keys(LARGE).sort()).toEqual([...ids].sort());
    for (const def of catalogue) {
      for (const k of Object.keys(LARGE[def.id])) expect(Object.keys(def.params), `${def.id}: ${k}`).toContain(k);
    }
    for (const id of COMPARISONS) expect(ids).toContain(id);
  });
});

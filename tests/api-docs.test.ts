import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runProcess } from './cli-harness.ts';

/**
 * The API reference (`npm run docs:api`, TypeDoc over engine/index.ts with typedoc.json)
 * documents every public export: TypeDoc's `validation.notDocumented` is run here without
 * writing HTML, and any export it reports fails the test — except the gaps listed
 * below, in files another engineer is editing (their TSDoc comes with that merge). The list may only shrink: a name that gained a
 * comment must leave it, so a gap cannot hide behind it again.
 */
const KNOWN_GAPS = new Set([
  // Being edited in branch particle-mesh-2 (issue #17) after the particle–mesh merge:
  'BlobSums', // engine/particles/blob-entropy.ts
  'KdeEntropy', // engine/particles/langevin-noise.ts
  'resolveBlobMethod', // engine/particles/mesh/method-rule.ts
  'INTERACTION_METHODS', // engine/particles/mesh/method-rule.ts
  'InteractionMethodRequest', // engine/particles/mesh/method-rule.ts
  'BLOB_METHODS', // engine/particles/mesh/method-rule.ts
  'BlobMethodRequest', // engine/particles/mesh/method-rule.ts
  'MESH_DEFAULTS', // engine/particles/mesh/mesh-interaction.ts
]);

describe('API reference (TypeDoc)', () => {
  it('every public export of engine/index.ts has a TSDoc comment', async () => {
    // A child process awaited, not spawnSync: TypeDoc takes minutes on a loaded machine, and a blocked worker fails the run.
    const r = await runProcess(process.execPath, [join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none', '--logLevel', 'Warn'], { timeoutMs: 540_000, env: { FORCE_COLOR: '0', NO_COLOR: '1' } });
    const out = (r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, '');
    expect(r.code, out).toBe(0);
    // "[warning] Name (Kind), defined in wgflow/engine/…, does not have any documentation"
    const undocumented = [...out.matchAll(/\[warning\] (\S+) \((\w+)\), defined in (\S+), does not have any documentation/g)].map((m) => ({ name: m[1], where: m[3] }));
    const topName = (n: string) => n.split('.')[0];
    const unexpected = undocumented.filter((u) => !KNOWN_GAPS.has(topName(u.name)));
    expect(unexpected.map((u) => `${u.name} (${u.where})`), 'exports without a TSDoc comment').toEqual([]);
    const stillMissing = new Set(undocumented.map((u) => topName(u.name)));
    expect([...KNOWN_GAPS].filter((g) => !stillMissing.has(g)), 'documented now: remove from KNOWN_GAPS').toEqual([]);
    // TypeDoc itself ran (a silent run that checked nothing would also report no gaps).
    expect(out).toMatch(/Found 0 errors/);
  });
});

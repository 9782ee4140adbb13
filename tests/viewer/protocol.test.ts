import { describe, expect, it } from 'vitest';
import { decodeBinary, encodeBinary, HEADER_BYTES, MAX_CLIENT_MESSAGE_BYTES, parseClientMessage } from '../../viewer/protocol.ts';

describe('binary frame format', () => {
  it('round-trips state, shape, step, t, run id and the metric record', () => {
    const x = Float64Array.from({ length: 3 * 2 }, (_, i) => i / 3 - 0.7);
    const rec = { step: 12, t: 0.12, energy: -1.5, energy_terms: { potential: 0.5 }, w2: 1e-3 };
    const buf = encodeBinary('frame', x, [3, 2], rec, 12, 0.12, 7);
    const m = decodeBinary(buf);
    expect(m.kind).toBe('frame');
    expect(m.shape).toEqual([3, 2]);
    expect(m.step).toBe(12);
    expect(m.t).toBe(0.12);
    expect(m.runId).toBe(7);
    expect(m.meta).toEqual(rec);
    expect(Array.from(m.data)).toEqual(Array.from(Float32Array.from(x)));
    // header + shape + meta padded to 4 bytes + float32 data: binary, not JSON numbers
    const metaLen = new TextEncoder().encode(JSON.stringify(rec)).length;
    expect(buf.byteLength).toBe(HEADER_BYTES + 8 + Math.ceil(metaLen / 4) * 4 + 4 * 6);
  });

  it('carries a frame\'s companion series (a comparison run\'s particles) after its data, and drops the shape from the meta', () => {
    const buf = encodeBinary('frame', [1, 2, 3, 4], [2, 2], { step: 3, w2_between: 0.5 }, 3, 0.3, 9, { data: Float64Array.from([0.5, -1, 2.5]), shape: [3, 1] });
    const m = decodeBinary(buf);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4]);
    expect(m.companion!.shape).toEqual([3, 1]);
    expect(Array.from(m.companion!.data)).toEqual([0.5, -1, 2.5]);
    expect(m.meta).toEqual({ step: 3, w2_between: 0.5 });
    expect(decodeBinary(encodeBinary('frame', [1], [1])).companion).toBeUndefined();
    expect(() => decodeBinary(buf.slice(0, buf.byteLength - 4))).toThrow(/with a companion \[3, 1\] needs/);
  });

  it('sends non-finite metrics as null (JSON has no NaN)', () => {
    const m = decodeBinary(encodeBinary('frame', [1], [1], { energy: NaN, x: Infinity }));
    expect(m.meta).toEqual({ energy: null, x: null });
  });

  it('rejects malformed binary messages with one line', () => {
    const good = encodeBinary('reference', [1, 2, 3, 4], [2, 2], { label: 'ref' });
    expect(() => decodeBinary(new ArrayBuffer(8))).toThrow(/shorter than the 24-byte header/);
    const badMagic = good.slice(0);
    new DataView(badMagic).setUint32(0, 0xdeadbeef, true);
    expect(() => decodeBinary(badMagic)).toThrow(/magic/);
    expect(() => decodeBinary(good.slice(0, good.byteLength - 4))).toThrow(/needs \d+ bytes; got/);
    const badType = good.slice(0);
    new DataView(badType).setUint8(4, 9);
    expect(() => decodeBinary(badType)).toThrow(/unknown binary message type 9/);
    expect(() => encodeBinary('frame', [1, 2, 3], [2, 2])).toThrow(/holds 4 values, data has 3/);
  });
});

describe('control messages from clients', () => {
  it('accepts the documented messages', () => {
    expect(parseClientMessage('{"type":"pause"}')).toEqual({ type: 'pause' });
    expect(parseClientMessage('{"type":"speed","stepsPerFrame":5}')).toEqual({ type: 'speed', stepsPerFrame: 5 });
    expect(parseClientMessage('{"type":"params","values":{"n":"200","entropy":"langevin","backtracking":true}}')).toEqual({
      type: 'params',
      values: { n: '200', entropy: 'langevin', backtracking: true },
    });
  });

  it.each([
    ['not json', /not JSON/],
    ['[1,2]', /JSON object/],
    ['{"type":"explode"}', /^unknown control message type \(allowed: play, pause, step, reset, speed, params\)$/],
    ['{"type":"speed","stepsPerFrame":0}', /integer in \[1, 10000\]/],
    ['{"type":"speed","stepsPerFrame":2.5}', /integer in \[1, 10000\]/],
    ['{"type":"params","values":{"n":{"$gt":1}}}', /params.values must map each parameter to a number, string or boolean/],
    ['{"type":"params","values":{"a b":1}}', /a key that is not a parameter name/],
    [`{"type":"params","values":{"n":"${'9'.repeat(65)}"}}`, /longer than 64 characters/],
    ['{"type":"params"}', /params.values must be an object/],
    ['x'.repeat(MAX_CLIENT_MESSAGE_BYTES + 1), /exceeds/],
  ])('rejects %#', (text, why) => {
    expect(() => parseClientMessage(text)).toThrow(why);
  });

  it('never repeats the client text in its error (a reply must not grow with what was sent)', () => {
    const long = 'Z'.repeat(10_000);
    for (const text of [`{"type":"${long}"}`, `{"type":"params","values":{"${long}":1}}`, `{"type":"params","values":{"n":"${long}"}}`, `{"type":"params","values":{"n":[${long.length}]}}`]) {
      let message = '';
      try {
        parseClientMessage(text);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('ZZ');
      expect(message.length).toBeLessThan(120);
    }
  });

  it('keeps a parameter named __proto__ as data, not as the prototype', () => {
    const m = parseClientMessage('{"type":"params","values":{"__proto__":3}}') as { values: Record<string, unknown> };
    expect(Object.getPrototypeOf(m.values)).toBe(Object.prototype);
    expect(Object.keys(m.values)).toEqual(['__proto__']);
  });
});

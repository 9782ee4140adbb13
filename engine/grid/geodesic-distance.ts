import type { Grid } from './grid.ts';

/**
 * Shortest-path distance to a target set through free cells (obstacles avoided),
 * by Dijkstra on the grid graph with all 3^d − 1 neighbours, each edge weighted by
 * its Euclidean length. This is the travel-time potential of crowd motion (Maury,
 * Roudneff-Chupin, Santambrogio 2010; Peyré 2015, §5.3). On an 8-neighbour 2D
 * graph it over-estimates the Euclidean distance by at most 1/cos(π/8) − 1 ≈ 8.2%
 * for directions between the lattice ones (exact along axes and diagonals).
 * Unreachable and blocked cells get +Infinity. Arrays [size] row-major.
 */
export function geodesicDistance(grid: Grid, target: Uint8Array, mask?: Uint8Array): Float64Array {
  const { shape, size, h } = grid;
  const d = shape.length;
  const dist = new Float64Array(size).fill(Infinity);
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const offsets: { delta: number[]; len: number }[] = [];
  for (let code = 0; code < 3 ** d; code++) {
    const delta = Array.from({ length: d }, (_, k) => (Math.floor(code / 3 ** k) % 3) - 1);
    if (delta.every((x) => x === 0)) continue;
    offsets.push({ delta, len: Math.sqrt(delta.reduce((s, x, k) => s + (x * h[k]) ** 2, 0)) });
  }
  const heap = new MinHeap();
  for (let i = 0; i < size; i++) {
    if (target[i] && !(mask && mask[i])) {
      dist[i] = 0;
      heap.push(i, 0);
    }
  }
  const idx = new Array<number>(d);
  while (heap.size > 0) {
    const [i, di] = heap.pop();
    if (di > dist[i]) continue;
    let r = i;
    for (let k = 0; k < d; k++) {
      idx[k] = Math.floor(r / strides[k]);
      r -= idx[k] * strides[k];
    }
    for (const { delta, len } of offsets) {
      let j = 0, inside = true;
      for (let k = 0; k < d; k++) {
        const c = idx[k] + delta[k];
        if (c < 0 || c >= shape[k]) {
          inside = false;
          break;
        }
        j += c * strides[k];
      }
      if (!inside || (mask && mask[j])) continue;
      const nd = di + len;
      if (nd < dist[j]) {
        dist[j] = nd;
        heap.push(j, nd);
      }
    }
  }
  return dist;
}

/** Binary min-heap of (cell, key) pairs with lazy deletion. */
class MinHeap {
  private keys: number[] = [];
  private items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(item: number, key: number): void {
    const { keys, items } = this;
    let c = items.length;
    items.push(item);
    keys.push(key);
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (keys[p] <= key) break;
      items[c] = items[p];
      keys[c] = keys[p];
      c = p;
    }
    items[c] = item;
    keys[c] = key;
  }
  pop(): [number, number] {
    const { keys, items } = this;
    const top: [number, number] = [items[0], keys[0]];
    const item = items.pop()!, key = keys.pop()!;
    if (items.length > 0) {
      let c = 0;
      for (;;) {
        let s = 2 * c + 1;
        if (s >= items.length) break;
        if (s + 1 < items.length && keys[s + 1] < keys[s]) s++;
        if (keys[s] >= key) break;
        items[c] = items[s];
        keys[c] = keys[s];
        c = s;
      }
      items[c] = item;
      keys[c] = key;
    }
    return top;
  }
}

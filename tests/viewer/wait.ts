/**
 * Waits until `ok()` holds, checking every few milliseconds (for conditions no event
 * announces: a file, a server's counters); rejects after `ms`, which only a hung test reaches.
 */
export async function until(ok: () => boolean, what: string, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

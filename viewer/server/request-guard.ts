import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';

/**
 * Checks every request line and header the viewer server acts on, before it acts:
 * the request target (origin-form only, parsed by hand: no URL parser sees it), the
 * `Host` header (DNS rebinding) and, for WebSockets, the `Origin` (cross-site pages).
 */

/**
 * The decoded path of an origin-form request target (`/path?query`), or null when the
 * target is anything else: absolute-form (`http://h/p`), authority-form, `*`, a
 * protocol-relative `//…`, or bad percent-encoding. Nothing is resolved against a base
 * URL, so `//`, `///`, `//[` or `//:99999` are plain refusals, never exceptions.
 */
export function requestPath(target: string | undefined): string | null {
  if (!target || target[0] !== '/' || target[1] === '/') return null;
  const end = target.search(/[?#]/);
  try {
    return decodeURIComponent(end < 0 ? target : target.slice(0, end));
  } catch {
    return null;
  }
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

const bracketed = (h: string) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h).toLowerCase();

/**
 * The `Host` header values that name this server: the loopback names, the bound
 * address given with `--host`, and for a wildcard bind (0.0.0.0, ::) the machine's own
 * interface addresses and host name, each followed by `:port` (bare when the port is 80).
 * A DNS-rebinding page sends its own domain as Host, which is in none of these.
 */
export function allowedHosts(bindHost: string, port: number): Set<string> {
  const names = new Set(LOOPBACK);
  if (WILDCARD.has(bindHost)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(bracketed(a.address));
    names.add(hostname().toLowerCase());
  } else {
    names.add(bracketed(bindHost));
  }
  const hosts = new Set<string>();
  for (const n of names) {
    hosts.add(`${n}:${port}`);
    if (port === 80) hosts.add(n);
  }
  return hosts;
}

/** Whether the request's Host header names this server (see `allowedHosts`). */
export function hostAllowed(req: IncomingMessage, allowed: Set<string>): boolean {
  const host = req.headers.host;
  return typeof host === 'string' && allowed.has(host.toLowerCase());
}

/**
 * A browser WebSocket must come from the viewer page itself: Origin `http://` plus an
 * allowed host (scheme compared too, so an https page of the same name is refused).
 * No Origin at all is a non-browser client (it could send any header anyway).
 */
export function originAllowed(req: IncomingMessage, allowed: Set<string>): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const o = origin.toLowerCase();
  return o.startsWith('http://') && allowed.has(o.slice('http://'.length));
}

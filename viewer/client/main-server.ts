/**
 * Entry of the page served by `wgf view`: asks the server what it serves
 * (/api/session) and plays a live stream (WebSocket /ws) or a replay (/run/…).
 */
import { App } from './app.ts';
import { LiveSource } from './sources/live-source.ts';
import { ReplaySource } from './sources/replay-source.ts';

const session = (await (await fetch('api/session')).json()) as { mode: 'live' | 'replay' };
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
new App(session.mode === 'replay' ? new ReplaySource() : new LiveSource(wsUrl));

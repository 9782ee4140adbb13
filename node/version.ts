import { readFileSync } from 'node:fs';

/** wgflow's version, from package.json. */
export const WGFLOW_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

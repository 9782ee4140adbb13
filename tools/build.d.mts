/** Types of tools/build.mjs (plain JavaScript, so that bin/wgf.mjs can import it before any build). */
export declare const ROOT: string;
/** dist/ under the project root. */
export declare const DIST: string;
export declare const ENTRIES: Record<string, string>;
export declare function isFresh(outdir?: string): boolean;
export declare function build(outdir?: string): Promise<void>;
export declare function ensureBuilt(outdir?: string): Promise<void>;

/** Builds .cache/kam-cli.mjs from cli/main.ts and its sources (esbuild; dependencies left in node_modules). */
export function buildBundle(): Promise<void>;
/** The bundled CLI's main, building it first when missing or stale; null when it cannot be had. */
export function bundledMain(): Promise<((argv: string[]) => Promise<number>) | null>;

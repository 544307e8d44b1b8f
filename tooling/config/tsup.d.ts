/** The source modules a package publishes: those reachable from `entries` through relative imports, relative to `root` (default: the working directory). */
export declare function publishedModules(entries: readonly string[], root?: string): string[];
/** The package build: one output module per published source module, declarations for the public `entry` points (default `src/index.ts`). */
export declare function libraryConfig(options?: { entry?: string[] }): ReturnType<typeof import('tsup').defineConfig>;

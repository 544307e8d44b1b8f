/** The source modules a package publishes: those reachable from `entries` through relative imports, relative to `root` (default: the working directory). */
export declare function publishedModules(entries: readonly string[], root?: string): string[];
/** A package's public entry points: the `@tsoptim/source` file of each of its `exports`, relative to `root`. */
export declare function publicEntries(root?: string): string[];
/** The package build: one output module per published source module, declarations for its public entry points and the extra `entry` points. */
export declare function libraryConfig(options?: { entry?: string[] }): ReturnType<typeof import('tsup').defineConfig>;

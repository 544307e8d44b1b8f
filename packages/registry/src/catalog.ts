import type { CatalogEntry } from '@tsoptim/optim';
import { type FromConfigOptions, fromConfig } from './from-config.js';
import { type OptimizerSpec, optimizerRegistry } from './optimizer-registry.js';
import type { Registry } from './registry.js';

/**
 * The catalog entries of a registry: one per registered name that declares its `about`, in name order. Each
 * `create` goes through {@link fromConfig} (options snake_case or camelCase, checked against the registered
 * defaults, `parameter_groups` over the given names). Apps list these beside other packages' catalogs
 * (`ADAPTIVE_CATALOG`, `ALF_CATALOG`).
 *
 * @example
 * for (const { name, about } of optimizerCatalog()) console.log(name, about.className, about.references[0]?.cite);
 * const adamw = optimizerCatalog().find((e) => e.name === 'adamw')!;
 * const opt = adamw.create(model.namedParameters(), { lr: adamw.about.start.lr, ...adamw.about.start.options });
 */
export function optimizerCatalog(registry: Registry<OptimizerSpec> = optimizerRegistry, options: FromConfigOptions = {}): CatalogEntry[] {
  const out: CatalogEntry[] = [];
  for (const name of registry.names()) {
    const about = registry.get(name).about;
    if (about === undefined) continue;
    out.push({ name, about, create: (named, o) => fromConfig(named, { ...o, type: name }, { ...options, registry }) });
  }
  return out;
}

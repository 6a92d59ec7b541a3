import type { DynamicModule, ForwardReference, ModuleMetadata, Type } from '@nestjs/common';
import { type AnyModuleConfig, definitionOf } from './feature-config.js';

type ModuleEntry = NonNullable<ModuleMetadata['imports']>[number];

/**
 * The configs the modules declare with `ConfigModule.forFeature(config)`, found by walking their
 * imports (and their imports' imports) as Nest will: a config is read because a module of the app
 * declares it, not because its file happened to be imported before boot. Each config once, in the
 * order first met.
 */
export function moduleConfigs(modules: readonly ModuleEntry[]): AnyModuleConfig[] {
  const found = new Set<AnyModuleConfig>();
  const seen = new Set<unknown>();
  const visit = (entry: ModuleEntry | undefined): void => {
    // An entry may be undefined while a circular import is still resolving; a promise is skipped.
    if (!entry || seen.has(entry) || entry instanceof Promise) return;
    seen.add(entry);
    const forward = (entry as ForwardReference).forwardRef;
    if (typeof forward === 'function') return visit(forward() as ModuleEntry);
    if (typeof entry === 'function') return visitMetadata(entry);
    const dynamic = entry as DynamicModule;
    for (const provider of dynamic.providers ?? []) {
      const factory = (provider as { useFactory?: unknown }).useFactory;
      if (definitionOf(factory)) found.add(factory as AnyModuleConfig);
    }
    for (const child of dynamic.imports ?? []) visit(child);
    visit(dynamic.module);
  };
  const visitMetadata = (type: Type): void => {
    const imports = (Reflect.getMetadata('imports', type) ?? []) as ModuleEntry[];
    for (const child of imports) visit(child);
  };
  for (const module of modules) visit(module);
  return [...found];
}

import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { CIRCUIT_BREAKER_METADATA } from './circuit-breaker.constants.js';
import type { ProtectedMethodOptions } from './circuit-breaker.decorators.js';
import { CircuitBreakerRegistry } from './circuit-breaker.registry.js';

type Method = (...args: unknown[]) => unknown;

/** Wraps every method marked @CircuitBreakerProtected in its breaker, once, at module init. */
@Injectable()
export class CircuitBreakerExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: CircuitBreakerRegistry,
  ) {}

  onModuleInit(): void {
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance = wrapper.instance as Record<string, Method> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      for (const key of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const original = instance[key];
        const meta = Reflect.getMetadata(CIRCUIT_BREAKER_METADATA, original) as
          (ProtectedMethodOptions & { name: string }) | undefined;
        if (meta) instance[key] = this.wrap(instance, original, meta);
      }
    }
  }

  private wrap(
    instance: Record<string, Method>,
    original: Method,
    meta: ProtectedMethodOptions & { name: string },
  ): Method {
    const registry = this.registry;
    const fallbackName = meta.fallbackMethod;
    if (fallbackName && typeof instance[fallbackName] !== 'function') {
      throw new Error(`@CircuitBreakerProtected('${meta.name}'): fallback method ${fallbackName} does not exist`);
    }
    return function protectedMethod(this: unknown, ...args: unknown[]) {
      const fallback = fallbackName
        ? (error: unknown) => instance[fallbackName].call(instance, ...args, error)
        : undefined;
      return registry.execute(meta.name, () => original.apply(instance, args), { fallback });
    };
  }
}

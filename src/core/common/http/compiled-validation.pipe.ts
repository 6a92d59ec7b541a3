import { type ArgumentMetadata, type Type, ValidationPipe, type ValidationPipeOptions } from '@nestjs/common';
import { getMetadataStorage, type ValidationArguments, ValidationTypes } from 'class-validator';
import { defaultMetadataStorage as transformerStorage } from 'class-transformer/cjs/storage.js';
import { validationFailed } from './validation-errors.js';

// class-transformer's own registry (see src/types): a DTO that uses @Type, @Transform, @Expose or
// @Exclude needs plainToInstance, so it never takes the compiled path.
const PLAIN_TO_CLASS = 0;

type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

interface ConstraintCheck {
  metadata: ValidationMetadata;
  constraint: { validate(value: unknown, args: ValidationArguments): unknown };
}

interface PropertyPlan {
  name: string;
  conditions: Array<(object: object, value: unknown) => boolean>;
  checks: ConstraintCheck[];
}

/** Builds the DTO from a body that passes every rule, or answers undefined (the full pipe decides). */
type CompiledValidator = (body: Record<string, unknown>) => object | undefined;

/**
 * Nest's ValidationPipe with a compiled fast path for the common case: a flat JSON body that is
 * valid. For each DTO class the pipe reads class-validator's own metadata once and keeps, per
 * property, the constraint objects class-validator itself would call. A body whose keys are all
 * known, whose values are all primitives and that passes every constraint becomes the DTO
 * (`new Dto()` plus the keys, what plainToInstance does for such a body) without class-transformer
 * and class-validator's executor, which cost about 65 us of CPU per validated POST here.
 *
 * Anything else goes to ValidationPipe unchanged: an invalid body (so the 400 and its messages,
 * field by field, come from class-validator as before), an unknown key, a nested value, and every
 * DTO the compiled path cannot mirror exactly (class-transformer decorators, nested, async or
 * `each` rules, groups, skip* options, implicit conversion). The decorators stay the only rules;
 * a property test holds the two paths to the same result.
 */
export class CompiledValidationPipe extends ValidationPipe {
  private readonly compiled = new Map<Type, CompiledValidator | null>();
  private readonly compilable: boolean;

  /** Unless `exceptionFactory` says otherwise, a 400 is one of ours: `details` per field path (validationFailed). */
  constructor(options: ValidationPipeOptions = {}) {
    super({ exceptionFactory: validationFailed, ...options });
    const v = this.validatorOptions;
    this.compilable =
      this.isTransformEnabled &&
      this.transformOptions === undefined &&
      this.expectedType === undefined &&
      !v.groups?.length &&
      !v.always &&
      !v.strictGroups &&
      !v.skipMissingProperties &&
      !v.skipNullProperties &&
      !v.skipUndefinedProperties;
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    if (this.compilable && metatype && isFlatRecord(value) && this.toValidate(metadata)) {
      const dto = this.validatorFor(metatype)?.(value);
      if (dto) return dto;
    }
    return super.transform(value, metadata);
  }

  private validatorFor(metatype: Type): CompiledValidator | null {
    let validator = this.compiled.get(metatype);
    if (validator === undefined) {
      validator = compile(metatype);
      this.compiled.set(metatype, validator);
    }
    return validator;
  }
}

/** A plain object (what a JSON body parses to) whose values are all primitives. */
function isFlatRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) {
    const member = (value as Record<string, unknown>)[key];
    if (typeof member === 'object' && member !== null) return false;
  }
  return true;
}

function compile(metatype: Type): CompiledValidator | null {
  if (
    transformerStorage.getStrategy(metatype) !== 'none' ||
    transformerStorage.getExposedMetadatas(metatype).length > 0 ||
    transformerStorage.getExcludedMetadatas(metatype).length > 0
  ) {
    return null;
  }
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(metatype, '', false, false, undefined);
  if (metadatas.length === 0) return null;
  const plans: PropertyPlan[] = [];
  for (const [name, list] of Object.entries(storage.groupByPropertyName(metadatas))) {
    if (
      transformerStorage.findTypeMetadata(metatype, name) ||
      transformerStorage.findTransformMetadatas(metatype, name, PLAIN_TO_CLASS).length > 0 ||
      // A getter or a method: plainToInstance would skip the key; not worth mirroring.
      hasPrototypeMember(metatype, name)
    ) {
      return null;
    }
    const plan: PropertyPlan = { name, conditions: [], checks: [] };
    for (const metadata of list) {
      if (metadata.each || metadata.groups?.length || metadata.always) return null;
      if (metadata.type === ValidationTypes.WHITELIST) continue;
      if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) {
        plan.conditions.push(metadata.constraints[0] as PropertyPlan['conditions'][number]);
        continue;
      }
      if (metadata.type !== ValidationTypes.CUSTOM_VALIDATION && metadata.type !== ValidationTypes.IS_DEFINED) {
        return null;
      }
      for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
        if (constraint.async) return null;
        plan.checks.push({ metadata, constraint: constraint.instance as ConstraintCheck['constraint'] });
      }
    }
    plans.push(plan);
  }
  const known = new Set(plans.map((p) => p.name));
  const targetName = metatype.name;

  return (body) => {
    const dto = new metatype() as Record<string, unknown>;
    for (const key in body) {
      if (!known.has(key)) return undefined;
      dto[key] = body[key];
    }
    for (const plan of plans) {
      const value = dto[plan.name];
      if (!applies(plan, dto, value)) continue;
      for (const { metadata, constraint } of plan.checks) {
        if (metadata.validateIf && !metadata.validateIf(dto, value)) continue;
        const args = { targetName, property: plan.name, object: dto, value, constraints: metadata.constraints };
        const valid = constraint.validate(value, args);
        // False, or a promise (an async rule that did not declare itself): the full pipe decides.
        if (!valid || typeof valid === 'object') return undefined;
      }
    }
    return dto;
  };
}

// Every ValidateIf/IsOptional condition holds (a loop: this runs per property of every body).
function applies(plan: PropertyPlan, dto: object, value: unknown): boolean {
  for (const condition of plan.conditions) if (!condition(dto, value)) return false;
  return true;
}

function hasPrototypeMember(metatype: Type, name: string): boolean {
  for (let proto = metatype.prototype as object | null; proto && proto !== Object.prototype;) {
    if (Object.getOwnPropertyDescriptor(proto, name)) return true;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return false;
}

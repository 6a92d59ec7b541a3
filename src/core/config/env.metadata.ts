/** How a variable is shown when it must be reported. */
export type SecretKind = 'none' | 'secret' | 'url';

export interface EnvVarMeta {
  group: string;
  description: string;
  /** `secret`: never shown; `url`: shown with its credentials masked. */
  secret: SecretKind;
  /** The value written in .env.example. For a secret, production refuses it. */
  example?: string;
  /** A commented-out sample shown above the variable in .env.example. */
  hint?: string;
}

/** Production refuses a secret containing this: it marks every placeholder we ship. */
export const PLACEHOLDER_MARK = 'change-me';

// By name, for masking: a name means one variable, whichever module declares it.
const registry = new Map<string, EnvVarMeta>();
// By schema class, in declaration order: what a module's schema reads, and nothing else.
const bySchema = new Map<object, string[]>();

/** Declares an environment variable: its group, its meaning and whether it is a secret. */
export function EnvVar(meta: Omit<EnvVarMeta, 'secret'> & { secret?: SecretKind }): PropertyDecorator {
  return (target, property) => {
    const name = String(property);
    registry.set(name, { secret: 'none', ...meta });
    const names = bySchema.get(target.constructor) ?? [];
    bySchema.set(target.constructor, [...names, name]);
  };
}

/** The variables a schema class declares with @EnvVar, in declaration order. */
export function schemaVariables(schema: object): string[] {
  return bySchema.get(schema) ?? [];
}

export function envVarMeta(name: string): EnvVarMeta | undefined {
  return registry.get(name);
}

export const MASK = '***';

/** Masks the credentials of a URL, or the whole value when it cannot be parsed. */
export function maskUrl(value: string): string {
  return value
    .split(',')
    .map((part) => {
      try {
        const url = new URL(part.trim());
        if (url.password) url.password = MASK;
        if (url.username && !url.password) url.username = MASK;
        return url.toString();
      } catch {
        return MASK;
      }
    })
    .join(',');
}

/** The form of a raw value that may be shown in a message or a log. */
export function displayValue(name: string, value: unknown): string {
  if (value === undefined) return '(unset)';
  const kind = registry.get(name)?.secret ?? 'none';
  const text = String(value);
  if (kind === 'secret') return MASK;
  if (kind === 'url') return maskUrl(text);
  return JSON.stringify(text);
}

import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * True for a string both stores keep as given in a `varchar(maxLength)` column: at most
 * `maxLength` UTF-16 units (Postgres counts code points, never more), and no U+0000, which
 * Postgres refuses in text (22021) while SQLite takes it. A value that passes here cannot be
 * acknowledged into the journal and then refused on replay for its text.
 */
export function isStorableText(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length <= maxLength && !value.includes('\u0000');
}

/** The DTO rule for a string that ends up in a `varchar(maxLength)` column: 400 at the edge, not a poison entry. */
export function IsStorableText(maxLength: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableText',
      constraints: [maxLength],
      validator: {
        validate: (value) => isStorableText(value, maxLength),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a string of at most ${maxLength} characters, without U+0000`,
          options,
        ),
      },
    },
    options,
  );
}

/** The first text value in `value` (nested objects and arrays included) that Postgres cannot store, if any. */
export function findUnstorableText(value: unknown, path = 'payload'): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const key in value) {
    const found = findUnstorableText((value as Record<string, unknown>)[key], `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

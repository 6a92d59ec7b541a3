import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';

/** What a quantity or a price may be, on every store: decimal(28,8) holds it exactly. */
export const AMOUNT_DECIMALS = 8;
export const MAX_AMOUNT = 1_000_000_000;

/**
 * The one rule for a valid amount: a finite number above 0, at most MAX_AMOUNT, with at most
 * 8 decimals whatever its JSON form (`1e-7`, `0.000000001`, `1.5e-300`: class-validator's
 * `maxDecimalPlaces` reads `toString()` and throws or passes on exponents). A number is kept
 * when rounding it to 8 decimals gives it back.
 */
export function isValidAmount(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value > 0 &&
    value <= MAX_AMOUNT &&
    Number(value.toFixed(AMOUNT_DECIMALS)) === value
  );
}

export function IsAmount(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAmount',
      validator: {
        validate: (value) => isValidAmount(value),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be a number above 0, at most ${MAX_AMOUNT}, with at most ${AMOUNT_DECIMALS} decimals`,
          options,
        ),
      },
    },
    options,
  );
}

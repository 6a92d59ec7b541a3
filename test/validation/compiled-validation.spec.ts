import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { type ArgumentMetadata, type Type as ClassType, ValidationPipe } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  Allow,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import fc from 'fast-check';
import { AppError, CompiledValidationPipe, validationFailed } from '../../src/core/common/index.js';
import { CreateOrderDto } from '../../src/modules/orders/create-order.dto.js';

// The app's options, and the 400 of ours CompiledValidationPipe raises by default: the compiled
// path must give what ValidationPipe gives with them.
const OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  stopAtFirstError: false,
  exceptionFactory: validationFailed,
};

class Probe {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsDefined()
  @IsBoolean()
  flag!: boolean;

  @ValidateIf((o: Probe) => o.flag === true)
  @IsString()
  @Length(1, 5)
  note?: string;

  @Allow()
  free?: unknown;

  @IsIn(['a', 'b'])
  @Matches(/^a$/)
  letter!: string;
}

class Child {
  @IsString()
  name!: string;
}

class WithTransformer {
  @Type(() => Number)
  @IsInt()
  n!: number;
}

// class-validator's maxDecimalPlaces splits toString() on '.', so 1e-7 makes the rule itself throw.
class ThrowingRule {
  @IsNumber({ maxDecimalPlaces: 2 })
  amount!: number;
}

class WithNested {
  @ValidateNested()
  @Type(() => Child)
  child!: Child;

  @IsString()
  name!: string;
}

type Outcome = { ok: true; value: unknown } | { ok: false; response: unknown };

async function outcome(pipe: ValidationPipe, value: unknown, metatype: ClassType): Promise<Outcome> {
  const metadata: ArgumentMetadata = { type: 'body', metatype, data: undefined };
  try {
    return { ok: true, value: await pipe.transform(structuredClone(value), metadata) };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, response: [error.code, error.message, error.details] };
    return { ok: false, response: (error as { getResponse?: () => unknown }).getResponse?.() ?? String(error) };
  }
}

/**
 * Runs `bodies` through both pipes: the same DTO (class and fields) or the same 400 every time.
 * Counts the valid bodies with only primitive values (those the compiled path must answer), and
 * those the compiled path answered without ValidationPipe.
 */
async function assertSamePaths(
  metatype: ClassType,
  bodies: fc.Arbitrary<unknown>,
  runs = 600,
): Promise<{ valid: number; fast: number }> {
  const compiled = new CompiledValidationPipe(OPTIONS);
  const reference = new ValidationPipe(OPTIONS);
  const fullPipe = mock.method(ValidationPipe.prototype, 'transform');
  const counts = { valid: 0, fast: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const before = fullPipe.mock.callCount();
        const got = await outcome(compiled, body, metatype);
        if (fullPipe.mock.callCount() === before) counts.fast += 1;
        const expected = await outcome(reference, body, metatype);
        if (expected.ok && isFlat(body)) counts.valid += 1;
        assert.deepStrictEqual(got, expected);
      }),
      { numRuns: runs },
    );
  } finally {
    fullPipe.mock.restore();
  }
  return counts;
}

const isFlat = (body: unknown) =>
  Object.values(body as object).every((value) => typeof value !== 'object' || value === null);

const primitive = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
// Mostly `likely`, sometimes anything: most bodies must be valid, or the compiled path is barely run.
const mostly = <T>(likely: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: likely, weight: 15 }, { arbitrary: anything, weight: 1 });
const anything = fc.oneof(primitive, fc.array(primitive, { maxLength: 2 }), fc.dictionary(fc.string(), primitive));
const amount = mostly(
  fc.oneof(
    { arbitrary: fc.constantFrom(1, 100, 187.25, 0.00000001, 1e-7, 1.5e-9, 0, -1, 1e9, 1e9 + 1, 0.1 + 0.2), weight: 2 },
    { arbitrary: fc.integer({ min: 1, max: 1000 }), weight: 4 },
    { arbitrary: fc.double({ min: 0, max: 2e9, noNaN: true }), weight: 1 },
  ),
);
// One body in eight has a key the DTO does not declare.
const withExtra = <T extends object>(record: fc.Arbitrary<T>) =>
  fc.oneof(
    { arbitrary: record, weight: 7 },
    {
      arbitrary: fc
        .tuple(record, fc.constantFrom('extra', 'status', '__x'), anything)
        .map(([body, key, value]) => ({ ...body, [key]: value })),
      weight: 1,
    },
  );

describe('CompiledValidationPipe', () => {
  it('gives CreateOrderDto what ValidationPipe gives, and answers valid orders itself', async () => {
    const orders = withExtra(
      fc.record(
        {
          clientOrderId: mostly(
            fc.oneof(
              { arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/), weight: 8 },
              { arbitrary: fc.constantFrom('', 'a b', 'x'.repeat(65)), weight: 1 },
            ),
          ),
          symbol: mostly(fc.constantFrom('AAPL', 'msft', 'BRK.B', 'AAPL', '1AB', 'TOOLONGSYMBOL')),
          side: mostly(fc.constantFrom('buy', 'sell', 'sell', 'BUY')),
          type: mostly(fc.constantFrom('limit', 'market', 'limit', 'stop')),
          quantity: amount,
          limitPrice: amount,
        },
        { requiredKeys: ['clientOrderId', 'symbol', 'side', 'type', 'quantity'] },
      ),
    );
    const { valid, fast } = await assertSamePaths(CreateOrderDto, orders, 1500);
    assert.ok(valid >= 100, `only ${valid} of 1500 generated orders were valid: the compiled path is barely run`);
    assert.equal(fast, valid, 'every valid flat order takes the compiled path');
  });

  it('mirrors IsOptional, IsDefined, ValidateIf, Allow and stacked rules', async () => {
    const probes = withExtra(
      fc.record(
        {
          limit: mostly(fc.integer({ min: -2, max: 600 })),
          flag: mostly(fc.boolean()),
          note: mostly(fc.string({ minLength: 1, maxLength: 6 })),
          free: mostly(primitive),
          letter: mostly(fc.constantFrom('a', 'a', 'a', 'b', 'c')),
        },
        { requiredKeys: [] },
      ),
    );
    const { valid, fast } = await assertSamePaths(Probe, probes);
    assert.ok(valid >= 40, `only ${valid} of 600 generated bodies were valid: the compiled path is barely run`);
    assert.equal(fast, valid, 'every valid flat body takes the compiled path');
  });

  it('fails as ValidationPipe fails when a rule itself throws on a value', async () => {
    const body = { amount: 1e-7 };
    const [compiled, reference] = [new CompiledValidationPipe(OPTIONS), new ValidationPipe(OPTIONS)];
    const got = await outcome(compiled, body, ThrowingRule);
    assert.equal(got.ok, false);
    assert.deepStrictEqual(got, await outcome(reference, body, ThrowingRule));
    assert.deepStrictEqual(await outcome(compiled, { amount: 1.25 }, ThrowingRule), {
      ok: true,
      value: Object.assign(new ThrowingRule(), { amount: 1.25 }),
    });
  });

  it('leaves DTOs with class-transformer or nested rules to ValidationPipe', async () => {
    assert.equal((await assertSamePaths(WithTransformer, fc.record({ n: anything }), 200)).fast, 0);
    assert.equal((await assertSamePaths(WithNested, fc.record({ child: anything, name: anything }), 200)).fast, 0);
  });

  it('leaves a body with an unknown key, a nested value or another prototype to ValidationPipe', async () => {
    const base = { clientOrderId: 'c-1', symbol: 'AAPL', side: 'buy', type: 'limit', quantity: 1, limitPrice: 2 };
    const compiled = new CompiledValidationPipe(OPTIONS);
    const fullPipe = mock.method(ValidationPipe.prototype, 'transform');
    try {
      const valid = await outcome(compiled, base, CreateOrderDto);
      assert.equal(valid.ok, true);
      assert.ok(valid.ok && valid.value instanceof CreateOrderDto);
      assert.equal(fullPipe.mock.callCount(), 0, 'a valid flat body takes the compiled path');
      for (const body of [
        { ...base, extra: 1 },
        { ...base, symbol: ['AAPL'] },
        Object.assign(Object.create(null), base),
      ]) {
        await compiled.transform(body, { type: 'body', metatype: CreateOrderDto }).catch(() => undefined);
      }
      assert.equal(fullPipe.mock.callCount(), 3);
    } finally {
      fullPipe.mock.restore();
    }
  });
});

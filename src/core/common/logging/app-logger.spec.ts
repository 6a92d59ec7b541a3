import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppLogger, levelsFrom } from './app-logger.js';
import { runInRequestContext } from './request-context.js';
import { SecretRedactor } from './secret-redactor.js';

function capture(run: () => void): string {
  const out: string[] = [];
  const write = (chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  };
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  process.stdout.write = write as typeof process.stdout.write;
  process.stderr.write = write as typeof process.stderr.write;
  try {
    run();
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
  return out.join('');
}

describe(SecretRedactor.name, () => {
  it('masks every registered secret, longest first', () => {
    const redactor = new SecretRedactor();
    redactor.register(['hunter22', 'hunter22-extended']);
    assert.equal(redactor.scrub('a hunter22-extended b hunter22'), 'a *** b ***');
  });

  it('describes a failure by its message, or the thrown value, with the secrets masked', () => {
    const redactor = new SecretRedactor();
    redactor.register(['hunter22']);
    assert.equal(
      redactor.describe(new Error('auth failed for postgres://app:hunter22@db')),
      'auth failed for postgres://app:***@db',
    );
    assert.equal(redactor.describe('hunter22 refused'), '*** refused');
  });

  it('ignores values too short to be secrets', () => {
    const redactor = new SecretRedactor();
    redactor.register(['ab']);
    assert.equal(redactor.scrub('ab cab'), 'ab cab');
  });
});

describe(AppLogger.name, () => {
  const redactor = new SecretRedactor();
  redactor.register(['Sup3rSecretPw']);

  for (const format of ['json', 'pretty'] as const) {
    it(`scrubs secret values and secret fields in ${format} output`, () => {
      const logger = new AppLogger({ format, level: 'verbose', redactor });
      const text = capture(() => {
        logger.log('connecting to postgres://app:Sup3rSecretPw@db/x', 'Database');
        logger.log({ msg: 'config', password: 'other-hidden-value', nested: { token: 'tok-123456' } });
        logger.error('failed', new Error('auth failed for Sup3rSecretPw').stack, 'Database');
      });
      assert.match(text, /connecting to postgres:\/\/app:\*\*\*@db\/x/);
      assert.doesNotMatch(text, /Sup3rSecretPw|other-hidden-value|tok-123456/);
    });
  }

  it('logs an error that has no stack trace', () => {
    for (const format of ['json', 'pretty'] as const) {
      const logger = new AppLogger({ format, level: 'error', redactor });
      assert.match(
        capture(() => logger.error('plain failure', undefined, 'Ctx')),
        /plain failure/,
      );
      assert.match(
        capture(() => logger.error('no context either')),
        /no context either/,
      );
    }
  });

  it('writes one JSON object per line in json format', () => {
    const logger = new AppLogger({ format: 'json', level: 'log', redactor });
    const text = capture(() => logger.log('hello', 'Ctx'));
    const record = JSON.parse(text.trim()) as { level: string; message: string; context: string };
    assert.equal(record.level, 'log');
    assert.equal(record.message, 'hello');
    assert.equal(record.context, 'Ctx');
  });

  it("adds the request's ids and trace id to each line written in its context, in both formats", () => {
    const tag = { requestId: 'r-1', clientRequestId: 'c-1', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' };
    const json = new AppLogger({ format: 'json', level: 'log', redactor });
    const record = JSON.parse(capture(() => runInRequestContext(tag, () => json.log('hello', 'Ctx'))).trim()) as Record<
      string,
      unknown
    >;
    assert.deepEqual([record.requestId, record.clientRequestId, record.traceId], ['r-1', 'c-1', tag.traceId]);
    const untraced = JSON.parse(
      capture(() => runInRequestContext({ requestId: 'r-2' }, () => json.log('hello', 'Ctx'))).trim(),
    ) as Record<string, unknown>;
    assert.equal(untraced.requestId, 'r-2');
    assert.equal('traceId' in untraced, false);
    const pretty = new AppLogger({ format: 'pretty', level: 'log', redactor });
    assert.match(
      capture(() => runInRequestContext(tag, () => pretty.log('hello', 'Ctx'))),
      /\[requestId=r-1 clientRequestId=c-1 traceId=4bf92f3577b34da6a3ce929d0e0e4736\] /,
    );
  });

  it('drops levels below the configured one', () => {
    assert.deepEqual(levelsFrom('warn'), ['fatal', 'error', 'warn']);
    const logger = new AppLogger({ format: 'json', level: 'warn', redactor });
    assert.equal(
      capture(() => logger.log('quiet')),
      '',
    );
    assert.notEqual(
      capture(() => logger.warn('loud')),
      '',
    );
  });
});

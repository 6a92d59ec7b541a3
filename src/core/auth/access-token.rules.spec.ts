import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lifetimeProblem, scopesOf, subjectProblem, typProblem } from './access-token.rules.js';
import { MAX_SUBJECT_LENGTH } from './auth.constants.js';

describe('access token rules', () => {
  describe(subjectProblem.name, () => {
    it('accepts a non-empty string that fits the owner column', () => {
      assert.equal(subjectProblem('alice'), undefined);
      assert.equal(subjectProblem('x'.repeat(MAX_SUBJECT_LENGTH)), undefined);
      assert.equal(subjectProblem('😀'.repeat(MAX_SUBJECT_LENGTH)), undefined, 'counted in characters, as varchar is');
    });

    it('refuses a sub that is not a string, so 42 and "42" are never the same owner', () => {
      for (const sub of [42, null, {}, [], true, undefined]) assert.match(String(subjectProblem(sub)), /string/);
      assert.equal(subjectProblem('42'), undefined);
    });

    it('refuses an empty, too long or unstorable sub', () => {
      assert.ok(subjectProblem(''));
      assert.ok(subjectProblem('x'.repeat(MAX_SUBJECT_LENGTH + 1)));
      assert.ok(subjectProblem('ali\u0000ce'));
      assert.ok(subjectProblem('half \ud800 a pair'));
    });
  });

  describe(scopesOf.name, () => {
    it('reads a space-separated string and an array of strings, from every configured claim', () => {
      const payload = { scope: 'widgets:read  gadgets:read', scp: ['widgets:write', 42, ''] };
      assert.deepEqual([...scopesOf(payload, ['scope', 'scp'])], ['widgets:read', 'gadgets:read', 'widgets:write']);
      assert.deepEqual([...scopesOf({ scp: 'admin widgets:read' }, ['scp'])], ['admin', 'widgets:read'], 'Azure scp');
    });

    it('reads only the configured claims, and takes nothing from other shapes', () => {
      assert.deepEqual([...scopesOf({ scope: 'admin', roles: ['x'] }, ['roles'])], ['x']);
      assert.deepEqual([...scopesOf({ scope: { admin: true } }, ['scope'])], []);
    });
  });

  describe(typProblem.name, () => {
    it('accepts access token types, or none, when no typ is required', () => {
      for (const typ of [undefined, 'JWT', 'jwt', 'at+jwt', 'application/at+jwt', 'AT+JWT'])
        assert.equal(typProblem({ alg: 'ES256', typ }, undefined), undefined, String(typ));
    });

    it('refuses other types, such as a logout token', () => {
      for (const typ of ['logout+jwt', 'secevent+jwt', 'dpop+jwt', 'application/logout+jwt'])
        assert.ok(typProblem({ alg: 'ES256', typ }, undefined), typ);
    });

    it('accepts only the required type when one is configured', () => {
      assert.equal(typProblem({ alg: 'ES256', typ: 'application/at+jwt' }, 'at+jwt'), undefined);
      assert.ok(typProblem({ alg: 'ES256', typ: 'JWT' }, 'at+jwt'));
      assert.ok(typProblem({ alg: 'ES256' }, 'at+jwt'));
    });
  });

  describe(lifetimeProblem.name, () => {
    const now = 2_000_000_000;
    it('accepts a token issued now for an hour', () => {
      assert.equal(lifetimeProblem({ iat: now, exp: now + 3600 }, now, 86_400, 30), undefined);
    });

    it('refuses an exp far beyond the maximum age, with or without iat', () => {
      assert.ok(lifetimeProblem({ iat: now, exp: 253_402_300_799 }, now, 86_400, 30));
      assert.ok(lifetimeProblem({ exp: now + 86_400 + 31 }, now, 86_400, 30));
    });

    it('refuses a token issued too long ago, or in the future', () => {
      assert.ok(lifetimeProblem({ iat: now - 86_400 - 31, exp: now + 60 }, now, 86_400, 30));
      assert.ok(lifetimeProblem({ iat: now + 31, exp: now + 60 }, now, 86_400, 30));
      assert.equal(lifetimeProblem({ iat: now + 30, exp: now + 60 }, now, 86_400, 30), undefined, 'within skew');
    });
  });
});

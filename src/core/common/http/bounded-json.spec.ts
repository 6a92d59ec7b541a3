import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLimitViolation, JsonBodyError, parseBoundedJson } from './bounded-json.js';

const LIMITS = { maxDepth: 3, maxKeys: 3, maxArrayLength: 3, maxStringBytes: 10 };
const scan = (text: string) => jsonLimitViolation(Buffer.from(text), LIMITS);

describe('bounded JSON', () => {
  it('counts only structure: brackets, commas and quotation marks inside strings are text', () => {
    assert.equal(scan('{"a":"[[[[,,,,","b":"\\"{{{"}'), undefined);
    assert.equal(scan('[1,2,3]'), undefined);
    assert.equal(scan('{"a":{"b":{"c":1}}}'), undefined);
  });

  it('names the first limit a body breaks', () => {
    assert.match(scan('[[[[1]]]]') ?? '', /nested deeper than 3/);
    assert.match(scan('{"a":1,"b":2,"c":3,"d":4}') ?? '', /more than 3 keys/);
    assert.match(scan('[1,2,3,4]') ?? '', /more than 3 elements/);
    assert.match(scan('{"a":"0123456789x"}') ?? '', /longer than 10 bytes/);
    assert.equal(scan('{"a":[1,2,3],"b":[1,2,3],"c":[1,2,3]}'), undefined, 'each container counts its own members');
  });

  it('refuses empty, malformed and prototype-poisoning bodies as 400s', () => {
    for (const text of ['', '{"a":', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}']) {
      assert.throws(
        () => parseBoundedJson(Buffer.from(text), LIMITS),
        (error: unknown) => error instanceof JsonBodyError && error.statusCode === 400,
        text,
      );
    }
    assert.deepEqual(parseBoundedJson(Buffer.from('{"a":[1,"]"]}'), LIMITS), { a: [1, ']'] });
  });
});

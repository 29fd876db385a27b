/**
 * The functions check upload-profiles.json at cold start with a small validator of their own
 * (shared/upload/json-schema.ts) run on upload-profiles.schema.json, rather than bundling ajv. It is acceptable only
 * if it agrees with ajv, the reference implementation, on that schema: for hand-picked files, valid and invalid, and
 * for thousands of mutations of them (fast-check), its verdict (valid or not) and the fields it blames are ajv's.
 */
import Ajv from 'ajv';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateJsonSchema } from '../../../shared/upload/json-schema';
import { PROFILES_SCHEMA } from '../../../shared/upload/profiles';

const root = join(__dirname, '..', '..', '..');
const schema = JSON.parse(readFileSync(join(root, 'upload-profiles.schema.json'), 'utf8')) as object;
const example = JSON.parse(readFileSync(join(root, 'upload-profiles.example.json'), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strictTypes: false });
const ajvValidate = ajv.compile(schema);

/** ajv's verdict and the fields it blames, as JSON Pointers (`/avatar/contentTypes/0`). */
function ajvVerdict(document: unknown): { valid: boolean; fields: string[] } {
  const valid = ajvValidate(document);
  const fields = (ajvValidate.errors ?? [])
    // An `if` error only repeats the `then` errors it comes with.
    .filter((error) => error.keyword !== 'if')
    .map((error) => {
      const escaped = (name: string): string => `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const extra = error.keyword === 'additionalProperties' ? escaped(String(error.params['additionalProperty'])) : '';
      // An error about a property's name (ajv marks it with the name) is the property's.
      const named = (error as { propertyName?: string }).propertyName ?? (error.params['propertyName'] as string | undefined);
      return `${error.instancePath}${extra}${named === undefined ? '' : escaped(named)}`;
    });
  return { valid, fields: [...new Set(fields)].sort() };
}

function ourVerdict(document: unknown): { valid: boolean; fields: string[] } {
  const problems = validateJsonSchema(PROFILES_SCHEMA, document);
  return { valid: problems.length === 0, fields: [...new Set(problems.map((problem) => problem.pointer))].sort() };
}

const profile = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  contentTypes: ['image/png'],
  maxBytes: 1000,
  ...overrides,
});

const HAND_PICKED: Array<[string, unknown]> = [
  ['the example file', example],
  ['one minimal profile', { default: profile() }],
  [
    'every field',
    {
      videos: profile({
        minBytes: 10,
        key: 'random',
        methods: ['MULTIPART'],
        ttlSeconds: 600,
        requireClaims: { plan: ['pro', 1, true] },
        maxObjectsPerUser: 5,
        maxBytesPerUser: 10_000,
        maxOpenUploadsPerUser: 2,
      }),
    },
  ],
  ['a fixed key with PUT', { avatar: profile({ key: 'fixed', methods: ['PUT'] }) }],
  ['an empty file', {}],
  ['only $schema', { $schema: './upload-profiles.schema.json' }],
  ['not an object', ['default']],
  ['null', null],
  ['a profile named sts', { sts: profile() }],
  ['a profile name in capitals', { Avatar: profile() }],
  ['a profile name too long', { [`a${'b'.repeat(32)}`]: profile() }],
  ['no contentTypes', { a: { maxBytes: 1 } }],
  ['no maxBytes', { a: { contentTypes: ['image/png'] } }],
  ['an unknown field', { a: profile({ maxbytes: 3 }) }],
  ['maxBytes zero', { a: profile({ maxBytes: 0 }) }],
  ['maxBytes fractional', { a: profile({ maxBytes: 1.5 }) }],
  ['maxBytes as text', { a: profile({ maxBytes: '1000' }) }],
  ['maxBytes too large', { a: profile({ maxBytes: 1073741824001 }) }],
  ['an empty type list', { a: profile({ contentTypes: [] }) }],
  ['a type in capitals', { a: profile({ contentTypes: ['Image/PNG'] }) }],
  ['a type with parameters', { a: profile({ contentTypes: ['text/plain; charset=utf-8'] }) }],
  ['a repeated type', { a: profile({ contentTypes: ['image/png', 'image/png'] }) }],
  ['type/*', { a: profile({ contentTypes: ['image/*'] }) }],
  ['*/*', { a: profile({ contentTypes: ['*/*'] }) }],
  ['an unknown key mode', { a: profile({ key: 'stable' }) }],
  ['an unknown method', { a: profile({ methods: ['GET'] }) }],
  ['no method', { a: profile({ methods: [] }) }],
  ['a repeated method', { a: profile({ methods: ['PUT', 'PUT'] }) }],
  ['a fixed key with STS', { a: profile({ key: 'fixed', methods: ['PUT', 'STS'] }) }],
  ['a fixed key with an object quota', { a: profile({ key: 'fixed', maxObjectsPerUser: 1 }) }],
  ['a fixed key with a byte quota', { a: profile({ key: 'fixed', maxBytesPerUser: 1 }) }],
  ['a fixed key with an open-upload bound', { a: profile({ key: 'fixed', maxOpenUploadsPerUser: 1 }) }],
  ['a random key with STS', { a: profile({ key: 'random', methods: ['STS'] }) }],
  ['ttlSeconds too short', { a: profile({ ttlSeconds: 9 }) }],
  ['ttlSeconds too long', { a: profile({ ttlSeconds: 3601 }) }],
  ['a claim with no value', { a: profile({ requireClaims: { plan: [] } }) }],
  ['a claim value that is an object', { a: profile({ requireClaims: { plan: [{ x: 1 }] } }) }],
  ['a claim with an empty name', { a: profile({ requireClaims: { '': ['x'] } }) }],
  ['a claim list that is not a list', { a: profile({ requireClaims: { plan: 'pro' } }) }],
  ['maxOpenUploadsPerUser too many', { a: profile({ maxOpenUploadsPerUser: 1001 }) }],
  ['maxObjectsPerUser zero', { a: profile({ maxObjectsPerUser: 0 }) }],
  ['a profile that is a list', { a: [] }],
  ['$schema that is a number', { $schema: 1, a: profile() }],
];

describe('our validator and ajv agree on upload-profiles.schema.json', () => {
  test.each(HAND_PICKED)('%s', (_name, document) => {
    expect(ourVerdict(document)).toEqual(ajvVerdict(document));
  });

  test('the hand-picked files include valid and invalid ones (the comparison is not vacuous)', () => {
    const verdicts = HAND_PICKED.map(([, document]) => ourVerdict(document).valid);
    expect(verdicts.filter(Boolean).length).toBeGreaterThanOrEqual(5);
    expect(verdicts.filter((valid) => !valid).length).toBeGreaterThanOrEqual(30);
  });

  // Values a mutation puts somewhere: the shapes the schema cares about, near its bounds, and anything else JSON holds.
  const value = fc.oneof(
    fc.constantFrom(0, 1, 9, 10, 100, 1000, 3600, 3601, 10000, 10001, 1073741824000, 1073741824001, -1, 1.5),
    fc.constantFrom('PUT', 'POST', 'MULTIPART', 'STS', 'GET', 'random', 'fixed', 'image/png', 'image/*', 'Image/png', ''),
    fc.constantFrom<unknown>([], ['PUT'], ['STS'], ['PUT', 'PUT'], ['image/png'], ['x'], {}, { plan: ['pro'] }, { plan: [] }, null, true),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const field = fc.constantFrom(
    'contentTypes',
    'maxBytes',
    'minBytes',
    'key',
    'methods',
    'ttlSeconds',
    'requireClaims',
    'maxObjectsPerUser',
    'maxBytesPerUser',
    'maxOpenUploadsPerUser',
    'extra',
  );
  const name = fc.constantFrom('avatar', 'documents', 'videos', 'sts', 'Avatar', 'a-b_c', '9lives', '$schema', 'x'.repeat(33));
  /** A change to a file, as data, so that a failing run prints it. */
  type Mutation =
    { set: string; field: string; to: unknown } | { drop: string; field: string } | { replace: string; with: unknown } | { remove: string };
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ set: name, field, to: value }),
    fc.record({ drop: name, field }),
    fc.record({ replace: name, with: value }),
    fc.record({ remove: name }),
  );
  function mutate(document: Record<string, unknown>, change: Mutation): void {
    if ('remove' in change) delete document[change.remove];
    else if ('replace' in change) document[change.replace] = change.with;
    else {
      const name = 'set' in change ? change.set : change.drop;
      const target = document[name];
      const isObject = typeof target === 'object' && target !== null && !Array.isArray(target);
      if ('set' in change) {
        if (isObject) (target as Record<string, unknown>)[change.field] = change.to;
        else document[name] = { contentTypes: ['image/png'], maxBytes: 10, [change.field]: change.to };
      } else if (isObject) delete (target as Record<string, unknown>)[change.field];
    }
  }

  test('on thousands of mutations of the example file', () => {
    let invalid = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const document = structuredClone(example);
        for (const change of mutations) mutate(document, change);
        const ours = ourVerdict(document);
        const theirs = ajvVerdict(document);
        if (!ours.valid) invalid += 1;
        expect(ours.valid).toBe(theirs.valid);
        // Every field ajv blames, ours blames too (ours may name more: ajv skips repeated entries of the wrong type).
        expect(ours.fields).toEqual(expect.arrayContaining(theirs.fields));
      }),
      { numRuns: 3000 },
    );
    // Guarded against vacuity: both verdicts occur often.
    expect(invalid).toBeGreaterThan(300);
    expect(invalid).toBeLessThan(2900);
  });

  test('on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (document) => {
        expect(ourVerdict(document).valid).toBe(ajvVerdict(document).valid);
      }),
      { numRuns: 1000 },
    );
  });
});

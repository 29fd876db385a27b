/**
 * Our verifier (jose's `jwtVerify` and our short check after it, shared/auth/identity.ts) against jose's `jwtVerify`
 * alone, with the options that mean what our configuration means: tokens jose signs verify, and every token jose
 * refuses is refused too. Where the two may differ, it is because ours is stricter on purpose (docs/security.md,
 * "Who"): no `crit` at all, finite NumericDates, `sub` a non-empty well-formed string, base64url without padding.
 */
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { CLOCK_TOLERANCE_SECONDS, createTokenVerifier } from '../../../shared/auth/identity';
import type { EdgeConfig } from '../../../shared/config/sections';
import { HttpError } from '../../../shared/edge/errors';
import { registerIssued } from '../../support/log-capture';
import { TEST_JWT_SECRET, handMade } from '../../support/tokens';

const RUNS = Math.max(200, Math.floor(Number(process.env['FUZZ_RUNS'] ?? 1000) / 2));
const ISSUER = 'https://idp.example.com';
const AUDIENCE = 'uploads';
const secretBytes = new TextEncoder().encode(TEST_JWT_SECRET);
const OTHER_SECRET = 'a-different-secret-that-is-long-enough';
registerIssued(OTHER_SECRET);

interface Checks {
  issuer: string | undefined;
  audience: string | undefined;
  tokenType: string | undefined;
  maxTokenAgeSeconds: number | undefined;
}

function edge(checks: Checks): Pick<EdgeConfig, 'auth' | 'users'> {
  return { auth: { kind: 'secret', secret: secretBytes, ...checks }, users: { segment: 'readable', hashSecret: undefined } };
}

/** jose's verdict with the options that mean what our configuration means. */
async function joseAccepts(token: string, checks: Checks, now: Date): Promise<boolean> {
  try {
    await jwtVerify(token, secretBytes, {
      algorithms: ['HS256'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub', 'exp'],
      currentDate: now,
      ...(checks.issuer === undefined ? {} : { issuer: checks.issuer }),
      ...(checks.audience === undefined ? {} : { audience: checks.audience }),
      ...(checks.tokenType === undefined ? {} : { typ: checks.tokenType }),
      ...(checks.maxTokenAgeSeconds === undefined ? {} : { maxTokenAge: checks.maxTokenAgeSeconds }),
    });
    return true;
  } catch {
    return false;
  }
}

async function oursAccepts(token: string, checks: Checks, now: Date): Promise<boolean> {
  try {
    await createTokenVerifier(edge(checks), { clock: () => now })(`Bearer ${token}`);
    return true;
  } catch (error) {
    if (!(error instanceof HttpError) || error.status !== 401 || error.reason === undefined) throw error;
    return false;
  }
}

const nowSeconds = 1_900_000_000;
const now = new Date(nowSeconds * 1000);
const checksArb: fc.Arbitrary<Checks> = fc.record({
  issuer: fc.constantFrom(undefined, ISSUER),
  audience: fc.constantFrom(undefined, AUDIENCE),
  tokenType: fc.constantFrom(undefined, 'at+jwt', 'JWT'),
  maxTokenAgeSeconds: fc.constantFrom(undefined, 300, 3600),
});

test(`${RUNS} tokens jose signs, with any claims our rules accept, verify`, async () => {
  await fc.assert(
    fc.asyncProperty(
      checksArb,
      fc.record({
        sub: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.isWellFormed()),
        expIn: fc.integer({ min: -CLOCK_TOLERANCE_SECONDS + 1, max: 86_400 }),
        iatAgo: fc.integer({ min: -CLOCK_TOLERANCE_SECONDS, max: 300 }),
        nbfIn: fc.option(fc.integer({ min: -3600, max: CLOCK_TOLERANCE_SECONDS }), { nil: undefined }),
        extra: fc.dictionary(
          fc.string({ maxLength: 8 }).filter((k) => !['sub', 'exp', 'iat', 'nbf', 'iss', 'aud'].includes(k)),
          fc.jsonValue({ maxDepth: 2 }),
          { maxKeys: 3 },
        ),
        kid: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
      }),
      async (checks, c) => {
        const jwt = new SignJWT({ ...c.extra, sub: c.sub })
          .setProtectedHeader({
            alg: 'HS256',
            ...(checks.tokenType === undefined ? {} : { typ: checks.tokenType }),
            ...(c.kid === undefined ? {} : { kid: c.kid }),
          })
          .setIssuedAt(nowSeconds - c.iatAgo)
          .setExpirationTime(nowSeconds + c.expIn);
        if (c.nbfIn !== undefined) jwt.setNotBefore(nowSeconds + c.nbfIn);
        if (checks.issuer !== undefined) jwt.setIssuer(checks.issuer);
        if (checks.audience !== undefined) jwt.setAudience([AUDIENCE, 'another']);
        const token = await jwt.sign(secretBytes);
        registerIssued(token);
        expect(await joseAccepts(token, checks, now)).toBe(true);
        expect(await oursAccepts(token, checks, now)).toBe(true);
      },
    ),
    { numRuns: RUNS },
  );
});

/** Mostly the value a valid token has (so that both verdicts come up), else one from the edges. */
function mostly<T>(good: T, weight: number, edges: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constant(good), weight }, { arbitrary: edges, weight: 1 });
}

/** A NumericDate from the edges: absent, wrong types, JSON numbers that parse to ±Infinity, the past, the future. */
const timeEdges = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: -7200, max: 7200 }).map((offset) => String(nowSeconds + offset)),
  fc.constantFrom('0', '-1', '1e400', '-1e400', `${nowSeconds}.5`, 'null', '"1900000000"', '[]', '{}', 'true'),
);
const stringEdges = (good: string): fc.Arbitrary<string | undefined> =>
  fc.constantFrom(undefined, '""', '"other"', '42', 'null', `["${good}"]`, '["x"]');

const hostileToken = fc.record({
  alg: mostly<string | undefined>('"HS256"', 8, fc.constantFrom('"HS512"', '"none"', '"RS256"', '"hs256"', 'null', undefined)),
  typ: mostly<string | undefined>(undefined, 3, fc.constantFrom('"at+jwt"', '"JWT"', '"application/at+jwt"', '"AT+JWT"', '42')),
  crit: mostly<string | undefined>(undefined, 10, fc.constantFrom('["b64"]', '["exp"]', '[]', '"b64"')),
  b64: mostly<string | undefined>(undefined, 8, fc.constantFrom('true', 'false')),
  sub: mostly<string | undefined>(
    '"alice"',
    6,
    fc.oneof(
      fc.constantFrom(undefined, '""', '42', 'null', '"\\ud800"', '"a\\u0000b"', '["alice"]'),
      fc.string({ maxLength: 10 }).map((text) => JSON.stringify(text)),
    ),
  ),
  exp: mostly<string | undefined>(String(nowSeconds + 600), 6, timeEdges),
  iat: mostly<string | undefined>(String(nowSeconds - 10), 5, timeEdges),
  nbf: mostly<string | undefined>(undefined, 5, timeEdges),
  iss: mostly<string | undefined>(JSON.stringify(ISSUER), 6, stringEdges(ISSUER)),
  aud: mostly<string | undefined>(JSON.stringify(AUDIENCE), 6, stringEdges(AUDIENCE)),
  key: mostly('right', 8, fc.constant('wrong')),
  payloadShape: mostly('object', 10, fc.constantFrom('array', 'not-json')),
});

/** JSON text with members in a given order, leaving out the undefined ones: any value can be written. */
const jsonText = (members: Record<string, string | undefined>): string =>
  `{${Object.entries(members)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${JSON.stringify(name)}:${value}`)
    .join(',')}}`;

test(`${RUNS} hostile tokens: whatever jose refuses is refused; any difference is one of our documented stricter rules`, async () => {
  let bothAccepted = 0;
  let bothRefused = 0;
  await fc.assert(
    fc.asyncProperty(checksArb, hostileToken, async (checks, t) => {
      const header = jsonText({ alg: t.alg, typ: t.typ, crit: t.crit, b64: t.b64 });
      const claims = jsonText({ sub: t.sub, exp: t.exp, iat: t.iat, nbf: t.nbf, iss: t.iss, aud: t.aud });
      const payload = t.payloadShape === 'object' ? claims : t.payloadShape === 'array' ? `[${claims}]` : claims.slice(1);
      const token = handMade(header, payload, t.key === 'right' ? TEST_JWT_SECRET : OTHER_SECRET);
      const jose = await joseAccepts(token, checks, now);
      const ours = await oursAccepts(token, checks, now);
      if (!jose) expect(ours).toBe(false);
      if (jose && !ours) {
        // jose accepted what our stricter rules refuse: say which rule, or fail.
        const parsed = JSON.parse(claims) as Record<string, unknown>;
        const stricter =
          t.crit !== undefined ||
          typeof parsed['sub'] !== 'string' ||
          parsed['sub'] === '' ||
          !parsed['sub'].isWellFormed() ||
          ['exp', 'iat', 'nbf'].some((name) => typeof parsed[name] === 'number' && !Number.isFinite(parsed[name]));
        expect(stricter).toBe(true);
      }
      if (jose && ours) bothAccepted += 1;
      if (!jose && !ours) bothRefused += 1;
    }),
    { numRuns: RUNS },
  );
  // The property means something only if both verdicts came up often.
  expect(bothAccepted).toBeGreaterThan(RUNS * 0.05);
  expect(bothRefused).toBeGreaterThan(RUNS * 0.2);
});

describe('named cases: jose refuses, so do we', () => {
  const exp = nowSeconds + 600;
  const good = { sub: 'alice', exp, iat: nowSeconds - 10 };
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`;
  const strict: Checks = { issuer: undefined, audience: undefined, tokenType: 'at+jwt', maxTokenAgeSeconds: 300 };
  const cases: Array<[string, string, Checks]> = [
    ['alg none', none, strict],
    ['wrong key', handMade({ alg: 'HS256', typ: 'at+jwt' }, good, OTHER_SECRET), strict],
    ['crit header', handMade({ alg: 'HS256', typ: 'at+jwt', crit: ['x-custom'], 'x-custom': 1 }, good), strict],
    ['expired', handMade({ alg: 'HS256', typ: 'at+jwt' }, { ...good, exp: nowSeconds - 60 }), strict],
    ['wrong typ when required', handMade({ alg: 'HS256', typ: 'JWT' }, good), strict],
    ['too old for the maximum age', handMade({ alg: 'HS256', typ: 'at+jwt' }, { ...good, iat: nowSeconds - 400 }), strict],
    ['HS512', handMade({ alg: 'HS512', typ: 'at+jwt' }, good), strict],
    ['unencoded payload (b64: false)', handMade({ alg: 'HS256', typ: 'at+jwt', crit: ['b64'], b64: false }, good), strict],
    [
      'signature over another payload',
      `${handMade({ alg: 'HS256', typ: 'at+jwt' }, good).split('.').slice(0, 2).join('.')}.${createHmac('sha256', TEST_JWT_SECRET).update('x').digest('base64url')}`,
      strict,
    ],
  ];
  test.each(cases)('%s', async (_name, token, checks) => {
    expect(await joseAccepts(token, checks, now)).toBe(false);
    expect(await oursAccepts(token, checks, now)).toBe(false);
  });

  test('and the control: the same token made right is accepted by both', async () => {
    const token = handMade({ alg: 'HS256', typ: 'at+jwt' }, good);
    expect(await joseAccepts(token, strict, now)).toBe(true);
    expect(await oursAccepts(token, strict, now)).toBe(true);
  });
});

describe('named cases: jose accepts, ours refuses (stricter on purpose)', () => {
  const good = { sub: 'alice', exp: nowSeconds + 600, iat: nowSeconds - 10 };
  const open: Checks = { issuer: undefined, audience: undefined, tokenType: undefined, maxTokenAgeSeconds: undefined };
  const cases: Array<[string, string]> = [
    ['a padded signature (atob takes it)', `${handMade({ alg: 'HS256' }, good)}=`],
    ['crit b64 with b64: true (an extension jose knows)', handMade({ alg: 'HS256', crit: ['b64'], b64: true }, good)],
    ['exp 1e400 (never expires)', handMade({ alg: 'HS256' }, '{"sub":"alice","exp":1e400}')],
    ['nbf -1e400', handMade({ alg: 'HS256' }, `{"sub":"alice","exp":${nowSeconds + 600},"nbf":-1e400}`)],
    ['sub empty', handMade({ alg: 'HS256' }, { ...good, sub: '' })],
    ['sub a number', handMade({ alg: 'HS256' }, { ...good, sub: 42 })],
    ['sub a lone surrogate', handMade({ alg: 'HS256' }, { ...good, sub: '\ud800' })],
  ];
  test.each(cases)('%s', async (_name, token) => {
    expect(await joseAccepts(token, open, now)).toBe(true);
    expect(await oursAccepts(token, open, now)).toBe(false);
  });

  test('and the control: the same token made right is accepted by both', async () => {
    const token = handMade({ alg: 'HS256' }, good);
    expect(await joseAccepts(token, open, now)).toBe(true);
    expect(await oursAccepts(token, open, now)).toBe(true);
  });
});

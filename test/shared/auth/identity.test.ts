import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { AuthConfig } from '../../../shared/config/sections';
import { HttpError } from '../../../shared/edge/errors';
import { createTokenVerifier, userSegmentFor } from '../../../shared/auth/identity';
import { TEST_JWT_SECRET, hsToken, rsToken, rsaKeys, unsecuredToken } from '../../support/tokens';

const secretAuth: AuthConfig = {
  kind: 'secret',
  secret: new TextEncoder().encode(TEST_JWT_SECRET),
  issuer: 'https://idp.example.com',
  audience: 'uploads',
};
const claims = { sub: 'alice', iss: 'https://idp.example.com', aud: 'uploads' };

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return error;
}

describe('HS256 verification', () => {
  const verify = createTokenVerifier(secretAuth);

  test('a good token gives the subject and its segment', async () => {
    await expect(verify(`Bearer ${await hsToken(claims)}`)).resolves.toEqual({ subject: 'alice', userSegment: 'alice' });
  });

  const now = Math.floor(Date.now() / 1000);
  const cases: Array<[string, () => Promise<string | undefined>, string]> = [
    ['missing header', async () => undefined, 'missing bearer token'],
    ['empty header', async () => '', 'missing bearer token'],
    ['wrong scheme', async () => `Basic ${Buffer.from('a:b').toString('base64')}`, 'Authorization must be "Bearer <token>"'],
    ['malformed token', async () => 'Bearer not-a-jwt', 'token is malformed'],
    ['expired', async () => `Bearer ${await hsToken({ ...claims, exp: now - 120 })}`, 'token has expired'],
    ['not yet valid', async () => `Bearer ${await hsToken({ ...claims, nbf: now + 120 })}`, 'token is not yet valid'],
    ['wrong audience', async () => `Bearer ${await hsToken({ ...claims, aud: 'other' })}`, 'token audience is not accepted'],
    ['wrong issuer', async () => `Bearer ${await hsToken({ ...claims, iss: 'https://evil.example.com' })}`, 'token issuer is not accepted'],
    [
      'wrong secret',
      async () => `Bearer ${await hsToken(claims, { secret: 'another-secret-that-is-long-enough!!' })}`,
      'token signature is invalid',
    ],
    ['alg none', async () => `Bearer ${unsecuredToken({ ...claims, exp: now + 600 })}`, 'token algorithm is not accepted'],
    ['HS512 not on the allow-list', async () => `Bearer ${await hsToken(claims, { alg: 'HS512' })}`, 'token algorithm is not accepted'],
    ['no subject', async () => `Bearer ${await hsToken({ iss: claims.iss, aud: claims.aud })}`, 'token claim sub is missing or invalid'],
    [
      'no expiry',
      async () =>
        `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(TEST_JWT_SECRET))}`,
      'token claim exp is missing or invalid',
    ],
    ['too long', async () => `Bearer ${'a'.repeat(9000)}`, 'token is too long'],
  ];

  test.each(cases)('%s → 401 with WWW-Authenticate', async (_name, header, message) => {
    const error = await rejection(verify(await header()));
    expect(error.status).toBe(401);
    expect(error.code).toBe('Unauthorized');
    expect(error.message).toBe(message);
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  test('lone surrogates, which would all encode to U+FFFD, are refused', async () => {
    for (const subject of ['\ud800', '\udbff', 'a\udc00b']) {
      const error = await rejection(verify(`Bearer ${await hsToken({ ...claims, sub: subject })}`));
      expect(error.message).toBe('token subject is not well-formed Unicode');
    }
    await expect(verify(`Bearer ${await hsToken({ ...claims, sub: '\ufffd' })}`)).resolves.toMatchObject({ userSegment: '_ef_bf_bd' });
  });

  test('an exp of 1e400 (Infinity) is refused: the token would never expire', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');
    const payload = Buffer.from(`{"sub":"alice","iss":"https://idp.example.com","aud":"uploads","exp":1e400}`).toString('base64url');
    const { createHmac } = await import('node:crypto');
    const signature = createHmac('sha256', TEST_JWT_SECRET).update(`${header}.${payload}`).digest('base64url');
    const error = await rejection(verify(`Bearer ${header}.${payload}.${signature}`));
    expect(error.status).toBe(401);
  });

  test('a little clock skew is tolerated', async () => {
    const token = await hsToken({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 });
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({ subject: 'alice' });
  });
});

describe('JWKS verification', () => {
  let server: Server;
  let keys: Awaited<ReturnType<typeof rsaKeys>>;
  let auth: AuthConfig;

  beforeAll(async () => {
    keys = await rsaKeys();
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(keys.jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    auth = {
      kind: 'jwks',
      jwksUrl: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`),
      issuer: undefined,
      audience: undefined,
    };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('JWKS endpoint down or failing → 503 with Retry-After, not 401', async () => {
    const failing = createServer((_req, res) => res.writeHead(500).end('oops'));
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const port = (failing.address() as AddressInfo).port;
    const token = `Bearer ${await rsToken(keys.privateKey, { sub: 'bob' })}`;
    try {
      const error500 = await rejection(
        createTokenVerifier({
          kind: 'jwks',
          jwksUrl: new URL(`http://127.0.0.1:${port}/jwks.json`),
          issuer: undefined,
          audience: undefined,
        })(token),
      );
      expect([error500.status, error500.code, error500.headers['Retry-After']]).toEqual([503, 'UpstreamUnavailable', '5']);
    } finally {
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
    const refused = await rejection(
      createTokenVerifier({ kind: 'jwks', jwksUrl: new URL(`http://127.0.0.1:${port}/jwks.json`), issuer: undefined, audience: undefined })(
        token,
      ),
    );
    expect([refused.status, refused.code]).toEqual([503, 'UpstreamUnavailable']);
  });

  test('an RS256 token from the JWKS is accepted', async () => {
    const verify = createTokenVerifier(auth);
    await expect(verify(`Bearer ${await rsToken(keys.privateKey, { sub: 'bob' })}`)).resolves.toEqual({
      subject: 'bob',
      userSegment: 'bob',
    });
  });

  test('HS/RS confusion: an HS256 token keyed with the public key is refused', async () => {
    const verify = createTokenVerifier(auth);
    const forged = await hsToken({ sub: 'bob' }, { secret: keys.publicPem });
    const error = await rejection(verify(`Bearer ${forged}`));
    expect(error.status).toBe(401);
    expect(error.message).toBe('token algorithm is not accepted');
  });

  test('an HS256-configured verifier refuses RS256 tokens', async () => {
    const verify = createTokenVerifier({ ...secretAuth, issuer: undefined, audience: undefined });
    const error = await rejection(verify(`Bearer ${await rsToken(keys.privateKey, { sub: 'bob' })}`));
    expect(error.message).toBe('token algorithm is not accepted');
  });
});

describe('userSegmentFor', () => {
  const hostile = ['*', '?', 'a/b', '../x', 'alice/', '..', '.', 'a b', 'ä', '日本', 'a_2f', '%2F', 'a\u0000b', '\u202e', 'x'.repeat(500)];

  test.each(hostile)('%j yields only [A-Za-z0-9_-], never empty', (subject) => {
    const segment = userSegmentFor(subject);
    expect(segment).toMatch(/^[A-Za-z0-9_-]{1,66}$/);
    expect(segment).not.toContain('..');
  });

  test('plain subjects are kept readable; others are escaped byte by byte', () => {
    expect(userSegmentFor('alice')).toBe('alice');
    expect(userSegmentFor('auth0|12-ab')).toBe('auth0_7c12-ab');
    expect(userSegmentFor('a/b')).toBe('a_2fb');
    expect(userSegmentFor('a_2fb')).toBe('a_5f2fb');
    expect(userSegmentFor('ä')).toBe('_c3_a4');
  });

  test('injective over a table of near-collisions', () => {
    const subjects = ['a/b', 'a_2fb', 'a_5f2fb', 'A', 'a', 'a.', 'a_2e', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(66), ...hostile];
    const segments = subjects.map(userSegmentFor);
    expect(new Set(segments).size).toBe(new Set(subjects).size);
  });

  test('long subjects become a digest that no short subject can produce', () => {
    const segment = userSegmentFor('x'.repeat(500));
    expect(segment).toMatch(/^_h[0-9a-f]{64}$/);
    expect(userSegmentFor('x'.repeat(64))).toBe('x'.repeat(64));
  });
});

import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { AuthConfig, EdgeConfig } from '../../../shared/config/sections';
import { HttpError } from '../../../shared/edge/errors';
import { createTokenVerifier, identityWarnings, userSegmentFor } from '../../../shared/auth/identity';
import { TOKEN_REJECTIONS, type TokenRejectionReason } from '../../../shared/auth/token-rejections';
import { TEST_JWT_SECRET, handMade, hsToken, rsToken, rsaKeys, unsecuredToken } from '../../support/tokens';
import { expectedOpaqueSegment, expectedUserTag } from '../../support/user-ids';
import { registerIssued } from '../../support/log-capture';

const ISSUER = 'https://idp.example.com';
const claims = { sub: 'alice', iss: ISSUER, aud: 'uploads' };
const readable = { segment: 'readable', hashSecret: undefined } as const;

function secretEdge(checks: Partial<AuthConfig> = {}, users: EdgeConfig['users'] = readable): Pick<EdgeConfig, 'auth' | 'users'> {
  return {
    auth: {
      kind: 'secret',
      secret: new TextEncoder().encode(TEST_JWT_SECRET),
      issuer: ISSUER,
      audience: 'uploads',
      tokenType: undefined,
      maxTokenAgeSeconds: undefined,
      ...checks,
    } as AuthConfig,
    users,
  };
}

const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
/** Every reason a test below saw: the last test checks that each code of the table can be produced. */
const seen = new Set<string>();

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return error;
}

async function expectRejected(promise: Promise<unknown>, reason: TokenRejectionReason): Promise<HttpError> {
  const error = await rejection(promise);
  seen.add(String(error.reason));
  // An issuer or audience mismatch says which was expected and what the token claims (tested below).
  const message =
    reason === 'issuer_mismatch' || reason === 'audience_mismatch'
      ? expect.stringMatching(new RegExp(`^${TOKEN_REJECTIONS[reason]}: expected `))
      : TOKEN_REJECTIONS[reason];
  expect([error.status, error.code, error.reason, error.message]).toEqual([401, 'Unauthorized', reason, message]);
  expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token"/);
  return error;
}

describe('HS256 verification', () => {
  const verify = createTokenVerifier(secretEdge());

  test('a good token gives the subject, its segment, its keyed tag and its expiry', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    await expect(verify(`Bearer ${await hsToken({ ...claims, exp })}`)).resolves.toEqual({
      subject: 'alice',
      userSegment: 'alice',
      userTag: expectedUserTag('alice'),
      expiresAt: exp,
      claims: { ...claims, exp, iat: expect.any(Number) },
    });
  });

  const now = Math.floor(Date.now() / 1000);
  const valid = { ...claims, exp: now + 600 };
  const cases: Array<[string, () => Promise<string | undefined>, TokenRejectionReason]> = [
    ['missing header', async () => undefined, 'missing_token'],
    ['empty header', async () => '', 'missing_token'],
    ['wrong scheme', async () => `Basic ${Buffer.from('a:b').toString('base64')}`, 'not_bearer'],
    ['too long', async () => `Bearer ${'a'.repeat(9000)}`, 'token_too_long'],
    ['not a JWT', async () => 'Bearer not-a-jwt', 'malformed_token'],
    ['four parts', async () => `Bearer ${handMade({ alg: 'HS256' }, valid)}.x`, 'malformed_token'],
    ['header not JSON', async () => `Bearer ${b64url('{alg')}.${b64url('{}')}.abc`, 'malformed_token'],
    ['header a JSON array', async () => `Bearer ${handMade('["HS256"]', valid)}`, 'malformed_token'],
    ['payload a JSON array', async () => `Bearer ${handMade({ alg: 'HS256' }, '[1]')}`, 'malformed_token'],
    [
      'payload not UTF-8',
      async () => {
        const h = b64url('{"alg":"HS256"}');
        const p = Buffer.from([0x7b, 0x22, 0x73, 0x75, 0x62, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('base64url');
        return `Bearer ${h}.${p}.${createHmac('sha256', TEST_JWT_SECRET).update(`${h}.${p}`).digest('base64url')}`;
      },
      'malformed_token',
    ],
    // jose alone takes it on Node 20 (its base64url decoder is atob): refused by the shape check before jose.
    ['padded signature', async () => `Bearer ${handMade({ alg: 'HS256' }, valid)}=`, 'malformed_token'],
    ['standard base64 in the payload', async () => `Bearer ${handMade({ alg: 'HS256' }, valid).replace('.', '.+')}`, 'malformed_token'],
    ['crit header', async () => `Bearer ${handMade({ alg: 'HS256', crit: ['exp'] }, valid)}`, 'crit_not_supported'],
    [
      'crit b64 (unencoded payload)',
      async () => `Bearer ${handMade({ alg: 'HS256', crit: ['b64'], b64: true }, valid)}`,
      'crit_not_supported',
    ],
    ['alg none', async () => `Bearer ${unsecuredToken(valid)}`, 'alg_not_allowed'],
    ['HS512 not on the allow-list', async () => `Bearer ${await hsToken(claims, { alg: 'HS512' })}`, 'alg_not_allowed'],
    ['alg in lower case', async () => `Bearer ${handMade({ alg: 'hs256' }, valid)}`, 'alg_not_allowed'],
    // jose: a JWS without `alg` is not a valid JWS at all, refused before any key is used.
    ['no alg', async () => `Bearer ${handMade({ typ: 'JWT' }, valid)}`, 'malformed_token'],
    ['alg null', async () => `Bearer ${handMade({ alg: null }, valid)}`, 'malformed_token'],
    ['RS256 against a secret', async () => `Bearer ${await rsToken((await rsaKeys()).privateKey, claims)}`, 'alg_not_allowed'],
    ['wrong secret', async () => `Bearer ${await hsToken(claims, { secret: 'another-secret-that-is-long-enough!!' })}`, 'bad_signature'],
    ['truncated signature', async () => `Bearer ${handMade({ alg: 'HS256' }, valid).slice(0, -3)}`, 'bad_signature'],
    ['empty signature', async () => `Bearer ${handMade({ alg: 'HS256' }, valid).replace(/\.[^.]+$/, '.')}`, 'bad_signature'],
    [
      "another token's signature",
      async () => {
        const [h, p] = handMade({ alg: 'HS256' }, valid).split('.');
        const other = handMade({ alg: 'HS256' }, { ...valid, sub: 'bob' }).split('.')[2];
        return `Bearer ${h}.${p}.${other}`;
      },
      'bad_signature',
    ],
    ['expired', async () => `Bearer ${await hsToken({ ...claims, exp: now - 120 })}`, 'token_expired'],
    ['not yet valid', async () => `Bearer ${await hsToken({ ...claims, nbf: now + 120 })}`, 'token_not_yet_valid'],
    ['nbf a string', async () => `Bearer ${handMade({ alg: 'HS256' }, { ...valid, nbf: String(now) })}`, 'invalid_nbf'],
    [
      'no expiry',
      async () =>
        `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(TEST_JWT_SECRET))}`,
      'invalid_exp',
    ],
    ['exp a string', async () => `Bearer ${handMade({ alg: 'HS256' }, { ...valid, exp: String(now + 600) })}`, 'invalid_exp'],
    ['exp null', async () => `Bearer ${handMade({ alg: 'HS256' }, { ...valid, exp: null })}`, 'invalid_exp'],
    // `"exp": 1e400` parses to Infinity, which a comparison accepts: the token would never expire.
    [
      'exp 1e400 (Infinity)',
      async () => `Bearer ${handMade({ alg: 'HS256' }, `{"sub":"alice","iss":"${ISSUER}","aud":"uploads","exp":1e400}`)}`,
      'invalid_exp',
    ],
    [
      'nbf -1e400 (-Infinity)',
      async () =>
        `Bearer ${handMade({ alg: 'HS256' }, `{"sub":"alice","iss":"${ISSUER}","aud":"uploads","exp":${now + 600},"nbf":-1e400}`)}`,
      'invalid_nbf',
    ],
    [
      'iat 1e400 (Infinity)',
      async () =>
        `Bearer ${handMade({ alg: 'HS256' }, `{"sub":"alice","iss":"${ISSUER}","aud":"uploads","exp":${now + 600},"iat":1e400}`)}`,
      'invalid_iat',
    ],
    ['iat a string', async () => `Bearer ${handMade({ alg: 'HS256' }, { ...valid, iat: 'yesterday' })}`, 'invalid_iat'],
    ['wrong issuer', async () => `Bearer ${await hsToken({ ...claims, iss: 'https://evil.example.com' })}`, 'issuer_mismatch'],
    ['no issuer', async () => `Bearer ${await hsToken({ sub: 'alice', aud: 'uploads' })}`, 'issuer_mismatch'],
    ['wrong audience', async () => `Bearer ${await hsToken({ ...claims, aud: 'other' })}`, 'audience_mismatch'],
    ['audience list without ours', async () => `Bearer ${await hsToken({ ...claims, aud: ['a', 'b'] })}`, 'audience_mismatch'],
    ['no subject', async () => `Bearer ${await hsToken({ iss: claims.iss, aud: claims.aud })}`, 'missing_subject'],
    ['empty subject', async () => `Bearer ${await hsToken({ ...claims, sub: '' })}`, 'missing_subject'],
    ['numeric subject', async () => `Bearer ${handMade({ alg: 'HS256' }, { ...valid, sub: 42 })}`, 'missing_subject'],
  ];

  test.each(cases)('%s → 401 %3$s, with WWW-Authenticate', async (_name, header, reason) => {
    await expectRejected(verify(await header()), reason);
  });

  test('an audience list that includes ours is accepted', async () => {
    await expect(verify(`Bearer ${await hsToken({ ...claims, aud: ['other', 'uploads'] })}`)).resolves.toMatchObject({ subject: 'alice' });
  });

  test('an issuer mismatch says which issuer was expected and which the token has (a trailing slash, typically)', async () => {
    const cases: Array<[unknown, string]> = [
      [`${ISSUER}/`, `expected "${ISSUER}", got "${ISSUER}/"`],
      [undefined, `expected "${ISSUER}", got none`],
      [42, `expected "${ISSUER}", got a number`],
      [[ISSUER], `expected "${ISSUER}", got a list`],
    ];
    for (const [iss, detail] of cases) {
      const token = handMade({ alg: 'HS256' }, { ...valid, iss });
      const error = await expectRejected(verify(`Bearer ${token}`), 'issuer_mismatch');
      expect(error.message).toBe(`token issuer is not accepted: ${detail}`);
      expect(error.headers['WWW-Authenticate']).toBe(
        `Bearer error="invalid_token", error_description="token issuer is not accepted: ${detail.replace(/"/g, '')}"`,
      );
    }
  });

  test('a hostile issuer claim reaches the message cut short, as printable ASCII, and the token never does', async () => {
    const iss = `https://evil.example.com/\r\nSet-Cookie: a=b\u00e9\u65e5${'x'.repeat(5000)}`;
    const token = handMade({ alg: 'HS256' }, { ...valid, iss });
    const error = await expectRejected(verify(`Bearer ${token}`), 'issuer_mismatch');
    expect(error.message).toBe(
      `token issuer is not accepted: expected "${ISSUER}", got "https://evil.example.com/\\r\\nSet-Cookie: a=b\\u00e9\\u65e5${'x'.repeat(56)}..."`,
    );
    for (const text of [error.message, error.headers['WWW-Authenticate']!]) {
      expect(text).toMatch(/^[\x20-\x7e]+$/);
      expect(text).not.toContain(token.split('.')[1]!.slice(0, 40));
    }
  });

  test('an audience mismatch says which audience was expected and what the token carried, a string or a list', async () => {
    const cases: Array<[unknown, string]> = [
      ['my-client-id', 'expected "uploads", got "my-client-id"'],
      [['https://idp.example.com/userinfo', 'other'], 'expected "uploads", got ["https://idp.example.com/userinfo", "other"]'],
      [[], 'expected "uploads", got []'],
      [['a', 'b', 'c', 'd', 'e'], 'expected "uploads", got ["a", "b", "c", ... (5 in all)]'],
      [['a', 7], 'expected "uploads", got ["a", a number]'],
      [undefined, 'expected "uploads", got none'],
      [42, 'expected "uploads", got a number'],
    ];
    for (const [aud, detail] of cases) {
      const token = handMade({ alg: 'HS256' }, { ...valid, aud });
      const error = await expectRejected(verify(`Bearer ${token}`), 'audience_mismatch');
      expect([error.message, error.logDetail]).toEqual([`token audience is not accepted: ${detail}`, detail]);
      expect(error.headers['WWW-Authenticate']).toBe(
        `Bearer error="invalid_token", error_description="token audience is not accepted: ${detail.replace(/"/g, '')}"`,
      );
    }
  });

  test("an ID token sent for the access token is told so, when it carries an ID token's claims", async () => {
    const hint = " (an ID token's audience is the client id: send the access token)";
    for (const extra of [{ nonce: 'n-0S6_WzA2Mj' }, { at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q' }, { token_use: 'id' }, { typ: 'ID' }]) {
      const token = await hsToken({ ...claims, aud: 'my-client-id', ...extra });
      const error = await expectRejected(verify(`Bearer ${token}`), 'audience_mismatch');
      expect(error.message).toBe(`token audience is not accepted: expected "uploads", got "my-client-id"${hint}`);
    }
    // Without them (an access token for another API, or a provider whose ID tokens are the ones to send): no guess.
    const other = await expectRejected(
      verify(`Bearer ${await hsToken({ ...claims, aud: 'my-client-id', token_use: 'access' })}`),
      'audience_mismatch',
    );
    expect(other.message).toBe('token audience is not accepted: expected "uploads", got "my-client-id"');
  });

  test('a hostile audience claim reaches the message cut short, as printable ASCII, and the token never does', async () => {
    const aud = [`api://x\r\nSet-Cookie: a=b\u00e9${'y'.repeat(5000)}`, 'z'.repeat(300)];
    const token = handMade({ alg: 'HS256' }, { ...valid, aud });
    const error = await expectRejected(verify(`Bearer ${token}`), 'audience_mismatch');
    expect(error.message).toBe(
      `token audience is not accepted: expected "uploads", got ["api://x\\r\\nSet-Cookie: a=b\\u00e9${'y'.repeat(75)}...", "${'z'.repeat(100)}..."]`,
    );
    for (const text of [error.message, error.headers['WWW-Authenticate']!]) {
      expect(text).toMatch(/^[\x20-\x7e]+$/);
      expect(text.length).toBeLessThan(400);
      expect(text).not.toContain(token.split('.')[1]!.slice(0, 40));
    }
  });

  test('lone surrogates, which would all encode to U+FFFD, are refused', async () => {
    for (const subject of ['\ud800', '\udbff', 'a\udc00b']) {
      await expectRejected(verify(`Bearer ${await hsToken({ ...claims, sub: subject })}`), 'subject_not_well_formed');
    }
    await expect(verify(`Bearer ${await hsToken({ ...claims, sub: '\ufffd' })}`)).resolves.toMatchObject({ userSegment: '_ef_bf_bd' });
  });

  test('the clock tolerance is 30 s either side, as in jose', async () => {
    const at = Math.floor(Date.now() / 1000);
    await expect(verify(`Bearer ${await hsToken({ ...claims, exp: at - 10 })}`)).resolves.toMatchObject({ subject: 'alice' });
    await expect(verify(`Bearer ${await hsToken({ ...claims, nbf: at + 20 })}`)).resolves.toMatchObject({ subject: 'alice' });
    await expectRejected(verify(`Bearer ${await hsToken({ ...claims, exp: at - 45 })}`), 'token_expired');
  });

  test("time is the handler's clock: a token good now is expired an hour later", async () => {
    const token = `Bearer ${await hsToken(claims)}`;
    const later = createTokenVerifier(secretEdge(), { clock: () => new Date(Date.now() + 3_600_000) });
    await expectRejected(later(token), 'token_expired');
  });
});

describe('optional token checks', () => {
  test('AUTH_TOKEN_TYPE: typ must name it, compared as jose does', async () => {
    const verify = createTokenVerifier(secretEdge({ tokenType: 'at+jwt' }));
    const exp = Math.floor(Date.now() / 1000) + 600;
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt']) {
      await expect(verify(`Bearer ${handMade({ alg: 'HS256', typ }, { ...claims, exp })}`)).resolves.toMatchObject({ subject: 'alice' });
    }
    for (const header of [{ alg: 'HS256', typ: 'JWT' }, { alg: 'HS256' }, { alg: 'HS256', typ: ['at+jwt'] }]) {
      await expectRejected(verify(`Bearer ${handMade(header, { ...claims, exp })}`), 'typ_mismatch');
    }
    // Without the setting any typ passes.
    await expect(
      createTokenVerifier(secretEdge())(`Bearer ${handMade({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp })}`),
    ).resolves.toMatchObject({ subject: 'alice' });
  });

  test('AUTH_MAX_TOKEN_AGE_SECONDS: iat required, not older than the limit (30 s tolerance), not in the future', async () => {
    const verify = createTokenVerifier(secretEdge({ maxTokenAgeSeconds: 300 }));
    const now = Math.floor(Date.now() / 1000);
    const token = (extra: object): string => `Bearer ${handMade({ alg: 'HS256' }, { ...claims, exp: now + 3600, ...extra })}`;
    await expect(verify(token({ iat: now - 100 }))).resolves.toMatchObject({ subject: 'alice' });
    await expect(verify(token({ iat: now - 320 }))).resolves.toMatchObject({ subject: 'alice' });
    await expectRejected(verify(token({ iat: now - 400 })), 'token_too_old');
    await expectRejected(verify(token({})), 'invalid_iat');
    await expectRejected(verify(token({ iat: now + 120 })), 'iat_in_future');
    // Without the setting, iat is not required.
    await expect(createTokenVerifier(secretEdge())(token({}))).resolves.toMatchObject({ subject: 'alice' });
  });

  test('a shared secret without issuer and audience gets a cold-start warning; with both, none', () => {
    expect(identityWarnings(secretEdge({ issuer: undefined }))).toEqual([expect.stringContaining('AUTH_ISSUER and AUTH_AUDIENCE')]);
    expect(identityWarnings(secretEdge({ audience: undefined }))).toHaveLength(1);
    expect(identityWarnings(secretEdge())).toEqual([]);
  });
});

describe('user segments and tags', () => {
  const HASH_SECRET = 'user-hash-secret-for-the-identity-tests';
  registerIssued(HASH_SECRET);
  const opaque = { segment: 'opaque', hashSecret: new TextEncoder().encode(HASH_SECRET) } as const;

  test('USER_SEGMENT=opaque: `_k` + a keyed HMAC of the subject, stable across instances, and the tag keyed by USER_HASH_SECRET', async () => {
    const token = `Bearer ${await hsToken({ ...claims, sub: 'alice@example.com' })}`;
    const first = await createTokenVerifier(secretEdge({}, opaque))(token);
    const second = await createTokenVerifier(secretEdge({}, opaque))(token);
    expect(first.userSegment).toBe(expectedOpaqueSegment('alice@example.com', HASH_SECRET));
    expect(first.userSegment).toMatch(/^_k[0-9a-f]{64}$/);
    expect(first.userSegment).not.toContain('alice');
    expect(second.userSegment).toBe(first.userSegment);
    expect(first.userTag).toBe(expectedUserTag(first.userSegment, HASH_SECRET));
    const otherKey = { segment: 'opaque', hashSecret: new TextEncoder().encode(`${HASH_SECRET}-2`) } as const;
    expect((await createTokenVerifier(secretEdge({}, otherKey))(token)).userSegment).not.toBe(first.userSegment);
  });

  test('readable segments keep the default encoding; USER_HASH_SECRET still keys the tag', async () => {
    const token = `Bearer ${await hsToken({ ...claims, sub: 'alice@example.com' })}`;
    const identity = await createTokenVerifier(secretEdge({}, { segment: 'readable', hashSecret: opaque.hashSecret }))(token);
    expect(identity.userSegment).toBe('alice_40example_2ecom');
    expect(identity.userTag).toBe(expectedUserTag('alice_40example_2ecom', HASH_SECRET));
    expect(identity.userTag).not.toBe(expectedUserTag('alice_40example_2ecom'));
  });
});

describe('JWKS verification (jose)', () => {
  let server: Server;
  let keys: Awaited<ReturnType<typeof rsaKeys>>;
  let jwksUrl: URL;
  const jwksEdge = (url: URL, users: EdgeConfig['users'] = readable): Pick<EdgeConfig, 'auth' | 'users'> => ({
    auth: { kind: 'jwks', jwksUrl: url, issuer: undefined, audience: undefined, tokenType: undefined, maxTokenAgeSeconds: undefined },
    users,
  });

  beforeAll(async () => {
    keys = await rsaKeys();
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(keys.jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('JWKS endpoint down or failing → 503 with Retry-After and reason jwks_unavailable, not 401', async () => {
    const failing = createServer((_req, res) => res.writeHead(500).end('oops'));
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const port = (failing.address() as AddressInfo).port;
    const token = `Bearer ${await rsToken(keys.privateKey, { sub: 'bob' })}`;
    try {
      const error500 = await rejection(createTokenVerifier(jwksEdge(new URL(`http://127.0.0.1:${port}/jwks.json`)))(token));
      expect([error500.status, error500.code, error500.headers['Retry-After'], error500.reason]).toEqual([
        503,
        'UpstreamUnavailable',
        '5',
        'jwks_unavailable',
      ]);
    } finally {
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
    const refused = await rejection(createTokenVerifier(jwksEdge(new URL(`http://127.0.0.1:${port}/jwks.json`)))(token));
    expect([refused.status, refused.code]).toEqual([503, 'UpstreamUnavailable']);
  });

  test('an RS256 token from the JWKS is accepted', async () => {
    const verify = createTokenVerifier(jwksEdge(jwksUrl));
    const identity = await verify(`Bearer ${await rsToken(keys.privateKey, { sub: 'bob' })}`);
    expect(identity).toMatchObject({ subject: 'bob', userSegment: 'bob', userTag: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  test('without USER_HASH_SECRET the tag is keyed per instance: stable within one, different between two', async () => {
    const token = `Bearer ${await rsToken(keys.privateKey, { sub: 'bob' })}`;
    const one = createTokenVerifier(jwksEdge(jwksUrl));
    const two = createTokenVerifier(jwksEdge(jwksUrl));
    expect((await one(token)).userTag).toBe((await one(token)).userTag);
    expect((await one(token)).userTag).not.toBe((await two(token)).userTag);
    expect(identityWarnings(jwksEdge(jwksUrl))).toEqual([expect.stringContaining('USER_HASH_SECRET is not set')]);
    expect(identityWarnings(jwksEdge(jwksUrl, { segment: 'readable', hashSecret: new Uint8Array(32) }))).toEqual([]);
  });

  test('the same claim rules and reason codes as HS256', async () => {
    const verify = createTokenVerifier(jwksEdge(jwksUrl));
    const now = Math.floor(Date.now() / 1000);
    const sign = (header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> =>
      new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'test-key', ...header }).sign(keys.privateKey);
    await expectRejected(verify(`Bearer ${await sign({}, { sub: 'bob', exp: now - 120 })}`), 'token_expired');
    await expectRejected(verify(`Bearer ${await sign({}, { sub: 'bob' })}`), 'invalid_exp');
    await expectRejected(verify(`Bearer ${await sign({}, { sub: '', exp: now + 60 })}`), 'missing_subject');
    await expectRejected(verify(`Bearer ${await sign({ kid: 'other-key' }, { sub: 'bob', exp: now + 60 })}`), 'unknown_key');
    const otherKeys = await rsaKeys(); // same kid, another key: the signature cannot verify
    await expectRejected(verify(`Bearer ${await rsToken(otherKeys.privateKey, { sub: 'bob' })}`), 'bad_signature');
    const [, payload, signature] = (await sign({}, { sub: 'bob', exp: now + 60 })).split('.');
    const critHeader = b64url(JSON.stringify({ alg: 'RS256', kid: 'test-key', crit: ['exp'], exp: 1 }));
    await expectRejected(verify(`Bearer ${critHeader}.${payload}.${signature}`), 'crit_not_supported');
  });

  test('HS/RS confusion: an HS256 token keyed with the public key is refused', async () => {
    const verify = createTokenVerifier(jwksEdge(jwksUrl));
    const forged = await hsToken({ sub: 'bob' }, { secret: keys.publicPem });
    await expectRejected(verify(`Bearer ${forged}`), 'alg_not_allowed');
  });
});

describe('userSegmentFor (the readable form)', () => {
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

test('every reason code of the table was produced by some test above', () => {
  expect(Object.keys(TOKEN_REJECTIONS).filter((reason) => !seen.has(reason))).toEqual([]);
});

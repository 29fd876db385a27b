/**
 * The identity provider's key set, fetched on node:http by remote-key-set.ts, against a real local HTTP server that
 * counts its requests: the rules jose's createRemoteJWKSet had (fetched on first use, one fetch for concurrent
 * verifications, kept 10 minutes, a new `kid` refetched only after the 30 s cooldown, 3 s deadline, no redirects),
 * each key-set failure a 503 `jwks_unavailable`, remembered for the cooldown (no fetch per request while the
 * provider is down) and retried after it, and a body larger than 64 KiB refused whole. Verified through the whole token verifier, with its clock moved instead of waiting.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createTokenVerifier, type TokenVerifier } from '../../../shared/auth/identity';
import {
  KEY_SET_COOLDOWN_MS,
  KEY_SET_MAX_AGE_MS,
  KEY_SET_MAX_BYTES,
  KEY_SET_TIMEOUT_MS,
  KeySetUnavailable,
  remoteKeySet,
} from '../../../shared/auth/remote-key-set';
import { HttpError } from '../../../shared/edge/errors';
import { registerIssued } from '../../support/log-capture';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: Record<string, unknown>;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const keySetOf = (...keys: SigningKey[]): string => JSON.stringify({ keys: keys.map((key) => key.jwk) });

/** The identity provider: answers with `respond`, which tests swap, and remembers every request's headers. */
class Idp {
  requests: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  respond: (res: ServerResponse) => void = (res) => res.writeHead(500).end();
  private readonly server: Server = createServer((req, res) => {
    this.requests.push({ path: req.url ?? '', headers: req.headers });
    this.respond(res);
  });

  async start(): Promise<URL> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return new URL(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`);
  }

  serve(body: string): void {
    this.respond = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let keyA: SigningKey;
let keyB: SigningKey;
let idp: Idp;
let jwksUrl: URL;
/** The verifier's clock (claims and the key set's age alike), moved by the tests. */
let nowMs: number;

beforeAll(async () => {
  [keyA, keyB] = await Promise.all([signingKey('key-a'), signingKey('key-b')]);
});
beforeEach(async () => {
  nowMs = Date.now();
  idp = new Idp();
  jwksUrl = await idp.start();
});
afterEach(() => idp.close());

const verifier = (): TokenVerifier =>
  createTokenVerifier(
    {
      auth: { kind: 'jwks', jwksUrl, issuer: undefined, audience: undefined, tokenType: undefined, maxTokenAgeSeconds: undefined },
      users: { segment: 'readable', hashSecret: undefined },
    },
    { clock: () => new Date(nowMs) },
  );

/** A token that outlives every clock move below (an hour past the test's start). */
async function bearer(key: SigningKey, kid: string = key.kid): Promise<string> {
  const token = await new SignJWT({ sub: 'bob', exp: Math.floor(nowMs / 1000) + 3600 })
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(key.privateKey);
  registerIssued(token);
  return `Bearer ${token}`;
}

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return error;
}

async function expectUnavailable(promise: Promise<unknown>, logDetail: RegExp): Promise<void> {
  const error = await rejection(promise);
  expect([error.status, error.code, error.reason, error.headers['Retry-After']]).toEqual([
    503,
    'UpstreamUnavailable',
    'jwks_unavailable',
    '5',
  ]);
  expect(error.logDetail).toMatch(logDetail);
}

test('fetched on first use, not when the verifier is built; then once for many verifications, concurrent ones included', async () => {
  idp.serve(keySetOf(keyA));
  const verify = verifier();
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(idp.requests).toHaveLength(0);

  const token = await bearer(keyA);
  const concurrent = await Promise.all(Array.from({ length: 20 }, () => verify(token)));
  expect(concurrent.map((identity) => identity.subject)).toEqual(Array(20).fill('bob'));
  for (let i = 0; i < 10; i++) await expect(verify(token)).resolves.toMatchObject({ subject: 'bob' });
  expect(idp.requests).toHaveLength(1);
  expect(idp.requests[0]).toMatchObject({
    path: '/.well-known/jwks.json',
    headers: { accept: 'application/json, application/jwk-set+json', connection: 'close' },
  });
});

test('kept for 10 minutes, then fetched again (and the new set is the one used)', async () => {
  idp.serve(keySetOf(keyA));
  const verify = verifier();
  const started = nowMs;
  await verify(await bearer(keyA));
  idp.serve(keySetOf(keyB)); // the provider retires key-a
  nowMs = started + KEY_SET_MAX_AGE_MS - 1;
  await expect(verify(await bearer(keyA))).resolves.toMatchObject({ subject: 'bob' }); // the set held
  expect(idp.requests).toHaveLength(1);

  nowMs = started + KEY_SET_MAX_AGE_MS;
  // Fetched again for its age: key-a is gone from the new set, refused without another fetch (it is 0 s old).
  const retired = await rejection(verify(await bearer(keyA)));
  expect([retired.status, retired.reason]).toEqual([401, 'unknown_key']);
  expect(idp.requests).toHaveLength(2);
  await expect(verify(await bearer(keyB))).resolves.toMatchObject({ subject: 'bob' });
  expect(idp.requests).toHaveLength(2);
});

test('key rotation: a new kid within 30 s of the last fetch is unknown_key without a fetch; after it, refetched and accepted', async () => {
  idp.serve(keySetOf(keyA));
  const verify = verifier();
  const started = nowMs;
  await verify(await bearer(keyA));
  idp.serve(keySetOf(keyA, keyB)); // the provider publishes key-b

  nowMs = started + KEY_SET_COOLDOWN_MS - 1;
  const early = await rejection(verify(await bearer(keyB)));
  expect([early.status, early.reason]).toEqual([401, 'unknown_key']);
  expect(idp.requests).toHaveLength(1);

  nowMs = started + KEY_SET_COOLDOWN_MS;
  const rotated = await bearer(keyB);
  await expect(Promise.all([verify(rotated), verify(rotated), verify(rotated)])).resolves.toHaveLength(3);
  expect(idp.requests).toHaveLength(2); // the three shared one fetch
  await expect(verify(await bearer(keyA))).resolves.toMatchObject({ subject: 'bob' });

  // A made-up kid right after: refused, and no fetch (the cooldown runs from the last fetch).
  nowMs += 1000;
  const madeUp = await rejection(verify(await bearer(keyA, 'no-such-key')));
  expect([madeUp.status, madeUp.reason]).toEqual([401, 'unknown_key']);
  expect(idp.requests).toHaveLength(2);
  // Past the cooldown it may fetch again; the set still lacks it.
  nowMs += KEY_SET_COOLDOWN_MS;
  expect((await rejection(verify(await bearer(keyA, 'no-such-key')))).reason).toBe('unknown_key');
  expect(idp.requests).toHaveLength(3);
});

/** A valid set followed by whitespace (still valid JSON) to exactly `bytes`: cut at the limit, it would parse. */
const paddedKeySet = (bytes: number): string => keySetOf(keyA).padEnd(bytes, ' ');

const failures: Array<[string, (res: ServerResponse) => void, RegExp]> = [
  ['500', (res) => res.writeHead(500, { 'content-type': 'application/json' }).end(keySetOf(keyA)), /answered 500/],
  ['404', (res) => res.writeHead(404).end(), /answered 404/],
  ['a redirect (not followed)', (res) => res.writeHead(302, { location: '/elsewhere' }).end(), /answered 302/],
  ['not JSON', (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>login</html>'), /not JSON/],
  ['JSON, not a key set', (res) => res.writeHead(200).end('{"keys":"key-a"}'), /not a JSON Web Key Set/],
  ['a JSON array', (res) => res.writeHead(200).end('[{"keys":[]}]'), /not a JSON Web Key Set/],
  ['a key set of non-objects', (res) => res.writeHead(200).end('{"keys":[1]}'), /not a JSON Web Key Set/],
  ['larger than 64 KiB', (res) => res.writeHead(200).end(paddedKeySet(KEY_SET_MAX_BYTES + 1)), /larger than 65536 bytes/],
];

test.each(failures)(
  'key set answered with %s → 503 jwks_unavailable, remembered for the cooldown; the first verification after it fetches again',
  async (_name, respond, detail) => {
    idp.respond = respond;
    const verify = verifier();
    const token = await bearer(keyA);
    await expectUnavailable(verify(token), detail);
    expect(idp.requests).toHaveLength(1); // a redirect's target is never asked
    idp.serve(keySetOf(keyA));
    nowMs += KEY_SET_COOLDOWN_MS - 1;
    await expectUnavailable(verify(token), detail);
    expect(idp.requests).toHaveLength(1);
    nowMs += 1;
    await expect(verify(token)).resolves.toMatchObject({ subject: 'bob' });
    expect(idp.requests).toHaveLength(2);
  },
);

test('while the provider is down, 50 requests make one fetch and one wait, and are answered at once after it', async () => {
  idp.respond = () => undefined; // never answers: the worst case, a 3 s wait per fetch
  const verify = verifier();
  const token = await bearer(keyA);
  const started = performance.now();
  // The first ones arrive together and share the one fetch (and its one wait).
  await Promise.all(Array.from({ length: 10 }, () => expectUnavailable(verify(token), /deadline/)));
  expect(performance.now() - started).toBeGreaterThanOrEqual(KEY_SET_TIMEOUT_MS - 50);
  const later = performance.now();
  for (let i = 0; i < 40; i += 1) {
    nowMs += 500; // 20 s of requests, within the cooldown
    await expectUnavailable(verify(token), /deadline/);
  }
  expect(performance.now() - later).toBeLessThan(500);
  expect(idp.requests).toHaveLength(1);
  // An unknown kid does not fetch either: the cooldown runs from the last attempt, failed or not.
  expect((await rejection(verify(await bearer(keyA, 'no-such-key')))).status).toBe(503);
  expect(idp.requests).toHaveLength(1);
  // After the cooldown, one request waits on one new fetch again.
  idp.serve(keySetOf(keyA));
  nowMs += KEY_SET_COOLDOWN_MS;
  await expect(Promise.all([verify(token), verify(token)])).resolves.toHaveLength(2);
  expect(idp.requests).toHaveLength(2);
}, 15_000);

test('a key set of exactly 64 KiB is accepted (the limit refuses only what is larger)', async () => {
  idp.serve(paddedKeySet(KEY_SET_MAX_BYTES));
  await expect(verifier()(await bearer(keyA))).resolves.toMatchObject({ subject: 'bob' });
});

test('after 10 minutes a failing refetch is a 503: the stale set is not used', async () => {
  idp.serve(keySetOf(keyA));
  const verify = verifier();
  const token = await bearer(keyA);
  await verify(token);
  idp.respond = (res) => res.writeHead(503).end();
  nowMs += KEY_SET_MAX_AGE_MS;
  await expectUnavailable(verify(token), /answered 503/);
  idp.serve(keySetOf(keyA));
  nowMs += KEY_SET_COOLDOWN_MS;
  await expect(verify(token)).resolves.toMatchObject({ subject: 'bob' });
  expect(idp.requests).toHaveLength(3);
});

test('a private key in the set is refused as a key-set failure (jose will not verify with it)', async () => {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: 'key-a', alg: 'RS256', use: 'sig' };
  registerIssued(String(privateJwk.d));
  idp.serve(JSON.stringify({ keys: [privateJwk] }));
  await expectUnavailable(verifier()(await bearer(keyA)), /JWKSInvalid/);
});

test('no server, or one that never answers (headers or body) within 3 s → 503, and a verification after the cooldown tries again', async () => {
  const token = await bearer(keyA);
  const refusedUrl = new URL(jwksUrl);
  await idp.close();
  idp = new Idp(); // the port of the closed one now refuses connections
  jwksUrl = refusedUrl;
  await expectUnavailable(verifier()(token), /ECONNREFUSED/);

  idp = new Idp();
  jwksUrl = await idp.start();
  const silent = verifier();
  const stalled = verifier();
  idp.respond = () => undefined; // never answers
  const silentStarted = performance.now();
  const silentResult = expectUnavailable(silent(token), /deadline/);
  await new Promise((resolve) => setTimeout(resolve, 20));
  idp.respond = (res) => res.writeHead(200, { 'content-type': 'application/json' }).write('{"keys":['); // and no more
  await Promise.all([silentResult, expectUnavailable(stalled(token), /deadline/)]);
  const waited = performance.now() - silentStarted;
  expect(waited).toBeGreaterThanOrEqual(KEY_SET_TIMEOUT_MS - 50);
  expect(waited).toBeLessThan(KEY_SET_TIMEOUT_MS + 1500);

  idp.serve(keySetOf(keyA));
  nowMs += KEY_SET_COOLDOWN_MS;
  await expect(Promise.all([silent(token), stalled(token)])).resolves.toHaveLength(2);
  expect(idp.requests).toHaveLength(4);
});

test('remoteKeySet on its own: what `prepare` refuses is a key-set failure, and the set is prepared once per fetch', async () => {
  idp.serve(keySetOf(keyA, keyB));
  let prepared = 0;
  const kids = remoteKeySet(jwksUrl, (set) => {
    prepared += 1;
    return set.keys.map((key) => key['kid']);
  });
  await expect(Promise.all([kids.current(), kids.current()])).resolves.toEqual([
    ['key-a', 'key-b'],
    ['key-a', 'key-b'],
  ]);
  await expect(kids.refetchedForUnknownKey()).resolves.toBeUndefined(); // within the cooldown
  expect([prepared, idp.requests.length]).toEqual([1, 1]);

  const refusing = remoteKeySet(jwksUrl, () => {
    throw new Error('no usable key');
  });
  const failure = await refusing.current().catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(KeySetUnavailable);
  expect((failure as Error).message).toBe('key set refused: no usable key');
});

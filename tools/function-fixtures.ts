/**
 * The functions' world on loopback, for the tools that run the built functions on their example events (the
 * benchmark, `bench.ts`). An STS emulator with one upload role,
 * an OSS emulator holding upload-completed's example object, a webhook receiver that takes every delivery, the
 * variables every function reads, and one FC event per function of the registry. Every key and secret here is a
 * made-up value of this file.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { FunctionManifest } from '../functions/manifest';
import { staticAccounts } from '../local/emulator-accounts';
import { startOssEmulator } from '../local/oss-emulator';
import { startStsEmulator } from '../local/sts-emulator';
import { buildHttpEvent } from '../shared/edge/fc-event';
import { buildOssEvent } from '../shared/edge/oss-event';

const ACCOUNT = '1234567890123456';
const UPLOAD_ROLE = `acs:ram::${ACCOUNT}:role/oss-upload`;
const BUCKET = 'bench-bucket';
export const caller = { accessKeyId: 'LTAI-bench-caller', accessKeySecret: 'bench-caller-secret' };
export const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256';
// As docs/deploy.md sets up a deployment: tokens carry an issuer and an audience, which are checked.
const ISSUER = 'https://idp.bench.example';
const AUDIENCE = 'oss-upload-bench';
export const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

/** FC's context for one invocation: the function's role credentials (here, the caller's keys). */
export function invocationContext(requestId: string): { requestId: string; credentials: Record<string, string> } {
  return { requestId, credentials: { ...caller, securityToken: '' } };
}

export type FunctionFixtures = Awaited<ReturnType<typeof startFunctionFixtures>>;

export async function startFunctionFixtures() {
  const sts = await startStsEmulator({
    callers: staticAccounts([caller]),
    roles: [
      { arn: UPLOAD_ROLE, policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:*'], Resource: ['*'] }] }) },
    ],
  });
  // upload-completed's one event: an object in a local OSS (a ranged GET) and a receiver for its webhook.
  const oss = await startOssEmulator({ bucket: BUCKET, region: 'cn-hangzhou', credentials: staticAccounts([caller]) });
  const receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  // An identity provider's key set, for the functions configured with AUTH_JWKS_URL (as docs/deploy.md's deployment is).
  const idpKeys = await generateKeyPair('RS256', { extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(idpKeys.publicKey)), kid: 'bench-key', alg: 'RS256', use: 'sig' }] };
  const idp = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  /** What every function reads (each reads its own part of it). */
  const env: Record<string, string> = {
    OSS_ENDPOINT: oss.url,
    UPLOAD_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/uploads`,
    UPLOAD_WEBHOOK_SECRET: WEBHOOK_SECRET,
    OSS_BUCKET: BUCKET,
    OSS_REGION: 'cn-hangzhou',
    AUTH_JWT_SECRET: JWT_SECRET,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    STS_ROLE_ARN: UPLOAD_ROLE,
    STS_ENDPOINT: sts.endpoint,
    ALIBABA_CLOUD_ACCESS_KEY_ID: caller.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: caller.accessKeySecret,
    // The bench starts hundreds of multipart uploads for one user and finishes none: the bound would refuse them.
    MAX_OPEN_UPLOADS_PER_USER: '1000',
  };

  /** The same, for functions that verify tokens with the identity provider's key set instead of a secret. */
  const { AUTH_JWT_SECRET: _secret, ...withoutSecret } = env;
  const jwksEnv: Record<string, string> = {
    ...withoutSecret,
    AUTH_JWKS_URL: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`,
    USER_HASH_SECRET: 'bench-user-hash-secret-of-32-bytes!',
  };

  /** A token of the identity provider's (RS256, its key set at AUTH_JWKS_URL of jwksEnv). */
  async function idpTokenFor(user: string): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'bench-key' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(user)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(idpKeys.privateKey);
  }

  async function tokenFor(user: string): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(user)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(JWT_SECRET));
  }

  function httpEvent(token: string, body: unknown): Buffer {
    return buildHttpEvent({
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      requestId: 'bench',
    });
  }

  /** Stores an object in the local OSS with the caller's key (V1 header signature, docs/oss-facts.md). */
  async function putObject(key: string, contentType: string, body: Buffer): Promise<void> {
    const date = new Date().toUTCString();
    const signature = createHmac('sha1', caller.accessKeySecret)
      .update(`PUT\n\n${contentType}\n${date}\n/${BUCKET}/${key}`)
      .digest('base64');
    const response = await fetch(`${oss.url}/${BUCKET}/${key}`, {
      method: 'PUT',
      headers: { 'content-type': contentType, date, authorization: `OSS ${caller.accessKeyId}:${signature}` },
      body: new Uint8Array(body),
    });
    if (!response.ok) throw new Error(`could not store the example object: ${response.status} ${await response.text()}`);
  }

  /** The function's example event: its example request from `alice`, or an OSS event for its example object, stored now. */
  async function exampleEvent(fn: FunctionManifest): Promise<Buffer> {
    if (fn.trigger !== 'oss') return httpEvent(await tokenFor('alice'), fn.exampleRequest);
    const { user, path, contentType, body } = fn.exampleObject;
    const key = `users/${user}/${path}`;
    await putObject(key, contentType, body);
    return buildOssEvent({ bucket: BUCKET, key, size: body.length, eTag: oss.getObject(key)?.etag ?? '' });
  }

  return {
    sts,
    oss,
    env,
    tokenFor,
    jwksEnv,
    idpTokenFor,
    httpEvent,
    exampleEvent,
    context: invocationContext,
    close: () =>
      Promise.all([
        sts.close(),
        oss.close(),
        new Promise((resolve) => receiver.close(resolve)),
        new Promise((resolve) => idp.close(resolve)),
      ]),
  };
}

/**
 * What the emulator enforces of a signed upload beyond its signature's usual headers, over real HTTP: a signed
 * Content-Length (URLs signed by ali-oss, the official client), a body held to its Content-Length, and the sign-url
 * role's RAM statement against public ACLs (the very policy `npm run policies` prints, evaluated by the emulators).
 */
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import OSS from 'ali-oss';
import { deploymentConfig, functionRolePolicy } from '../../deploy/policies';
import { signUrlManifest } from '../../functions/sign-url/manifest';
import type { CredentialResolver } from '../../local/emulator-accounts';
import { localRoles } from '../../local/local-account';
import { type RunningOssEmulator, startOssEmulator } from '../../local/oss-emulator';
import { evaluate, parsePolicyDocument } from '../../local/ram-policy';
import { configFrom } from '../support/env';

const BUCKET = 'uploads-bucket';
const REGION = 'cn-hangzhou';
const ACCESS_KEY_ID = 'STS.sign-url-role';
const SECRET = 'sign-url-role-secret';

/** The sign-url function's role, granted exactly its manifest's policy (as the local STS emulator grants it). */
function signUrlRolePolicy() {
  const config = configFrom(deploymentConfig, { STS_ROLE_ARN: 'acs:ram::1000000000000001:role/oss-upload' });
  const parsed = parsePolicyDocument(JSON.stringify(functionRolePolicy(signUrlManifest, config, localRoles([signUrlManifest]))));
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.policy;
}

const policy = signUrlRolePolicy();
const resolver: CredentialResolver = (accessKeyId) =>
  accessKeyId === ACCESS_KEY_ID
    ? { kind: 'found', accessKeySecret: SECRET, isAllowed: (action, resource, context) => evaluate([policy], action, resource, context) }
    : { kind: 'error', code: 'InvalidAccessKeyId', message: 'The OSS Access Key Id you provided does not exist in our records.' };

let oss: RunningOssEmulator;
let signer: OSS;
beforeAll(async () => {
  oss = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: resolver });
  signer = new OSS({
    accessKeyId: ACCESS_KEY_ID,
    accessKeySecret: SECRET,
    bucket: BUCKET,
    region: `oss-${REGION}`,
    endpoint: oss.url,
    cname: true,
    authorizationV4: true,
  });
});
afterAll(() => oss.close());

const codeOf = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

describe('a Content-Length bound by a V4 signature', () => {
  const signedFor = (key: string, length: number): Promise<string> =>
    signer.signatureUrlV4('PUT', 300, { headers: { 'content-type': 'image/png', 'content-length': String(length) } }, key, [
      'content-length',
    ]);

  test('the signed length is accepted; a longer body, a shorter one or a chunked one is SignatureDoesNotMatch', async () => {
    const url = await signedFor('users/alice/bound.png', 10);
    const big = await fetch(url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: Buffer.alloc(5 * 1024 * 1024) });
    expect([big.status, codeOf(await big.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    const small = await fetch(url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: Buffer.alloc(9) });
    expect([small.status, codeOf(await small.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    const chunked = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'image/png' },
      body: new Blob([Buffer.alloc(10)]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect([chunked.status, codeOf(await chunked.text())]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(oss.getObject('users/alice/bound.png')).toBeUndefined();

    const exact = await fetch(url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: Buffer.alloc(10, 7) });
    expect(exact.status).toBe(200);
    expect(oss.getObject('users/alice/bound.png')?.body).toEqual(Buffer.alloc(10, 7));
  });

  test('a body that stops short of its Content-Length is IncompleteBody, and nothing is stored', async () => {
    const url = new URL(await signedFor('users/alice/short.png', 100));
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: image/png\r\nContent-Length: 100\r\n\r\n0123456789`,
        );
        setTimeout(() => socket.end(), 50); // half-close: no more bytes will come
      });
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(codeOf(answer)).toBe('IncompleteBody');
    expect(oss.getObject('users/alice/short.png')).toBeUndefined();
  });
});

describe("the sign-url role's RAM statement: no upload signed with its keys can make an object public", () => {
  test('PutObject asking for public-read or public-read-write is AccessDenied; private and no ACL pass', async () => {
    for (const acl of ['public-read', 'Public-Read-Write']) {
      const error = await signer.put(`users/alice/${acl}.png`, Buffer.from('x'), { headers: { 'x-oss-object-acl': acl } }).then(
        () => undefined,
        (caught: { code?: string }) => caught.code,
      );
      expect([acl, error]).toEqual([acl, 'AccessDenied']);
    }
    await signer.put('users/alice/private.png', Buffer.from('x'), { headers: { 'x-oss-object-acl': 'private' } });
    await signer.put('users/alice/plain.png', Buffer.from('x'));
    expect(oss.listKeys().filter((key) => key.includes('public'))).toEqual([]);
  });

  test('a PostObject form adding x-oss-object-acl: public-read, which its policy never names, is AccessDenied', async () => {
    const datetime = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const credential = `${ACCESS_KEY_ID}/${datetime.slice(0, 8)}/${REGION}/oss/aliyun_v4_request`;
    const key = 'users/alice/form.png';
    const encoded = Buffer.from(
      JSON.stringify({
        expiration: new Date(Date.now() + 300_000).toISOString(),
        conditions: [
          { bucket: BUCKET },
          { key },
          { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
          { 'x-oss-credential': credential },
          { 'x-oss-date': datetime },
        ],
      }),
    ).toString('base64');
    const hmac = (secret: string | Buffer, data: string): Buffer => createHmac('sha256', secret).update(data).digest();
    const signingKey = hmac(hmac(hmac(hmac(`aliyun_v4${SECRET}`, datetime.slice(0, 8)), REGION), 'oss'), 'aliyun_v4_request');
    const send = (acl: string | undefined): Promise<Response> => {
      const form = new FormData();
      form.append('key', key);
      if (acl !== undefined) form.append('x-oss-object-acl', acl);
      form.append('policy', encoded);
      form.append('x-oss-signature-version', 'OSS4-HMAC-SHA256');
      form.append('x-oss-credential', credential);
      form.append('x-oss-date', datetime);
      form.append('x-oss-signature', createHmac('sha256', signingKey).update(encoded).digest('hex'));
      form.append('file', new Blob([Buffer.from('png')], { type: 'image/png' }), 'a.png');
      return fetch(`${oss.url}/`, { method: 'POST', body: form });
    };
    const refused = await send('public-read');
    expect([refused.status, codeOf(await refused.text())]).toEqual([403, 'AccessDenied']);
    expect(oss.getObject(key)).toBeUndefined();
    expect((await send(undefined)).status).toBe(204);
  });
});

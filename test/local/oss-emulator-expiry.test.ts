/**
 * When the OSS emulator judges a presigned URL's expiry: as the request arrives (default, as OSS authenticates a
 * request on its headers), so a part whose body is still coming in when the URL's lifetime ends is stored; with
 * `checksAt: 'end'`, once the body is in, which is the stricter server the browser client is also tested against.
 * The URL is signed by ali-oss; the emulator's clock is moved between the headers and the end of the body.
 */
import { connect } from 'node:net';
import OSS from 'ali-oss';
import type { CredentialResolver } from '../../local/emulator-accounts';
import { type RunningOssEmulator, startOssEmulator } from '../../local/oss-emulator';

const BUCKET = 'uploads-bucket';
const REGION = 'cn-hangzhou';
const resolver: CredentialResolver = (accessKeyId) =>
  accessKeyId === 'LTAI-expiry'
    ? { kind: 'found', accessKeySecret: 'expiry-secret', isAllowed: () => true }
    : { kind: 'error', code: 'InvalidAccessKeyId', message: 'unknown key' };

const codeOf = (answer: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(answer)?.[1];

/** PUTs `body` to `url` in two halves; `between` runs once the headers and the first half are at the server. */
function putInTwoHalves(url: URL, body: Buffer, between: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(
        `PUT ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: image/png\r\n` +
          `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      );
      socket.write(body.subarray(0, body.length / 2));
      setTimeout(() => {
        between();
        socket.write(body.subarray(body.length / 2));
      }, 200);
    });
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

describe.each([
  ['start', 200, undefined],
  ['end', 403, 'AccessDenied'],
] as const)('checksAt %s', (checksAt, status, code) => {
  let oss: RunningOssEmulator;
  let clock = new Date();
  beforeAll(async () => {
    oss = await startOssEmulator({ bucket: BUCKET, region: REGION, credentials: resolver, now: () => clock, checksAt });
  });
  afterAll(() => oss.close());

  test(`a URL that expires while its body is coming in: ${status}`, async () => {
    clock = new Date();
    const signer = new OSS({
      accessKeyId: 'LTAI-expiry',
      accessKeySecret: 'expiry-secret',
      bucket: BUCKET,
      region: `oss-${REGION}`,
      endpoint: oss.url,
      cname: true,
      authorizationV4: true,
    });
    const key = `users/alice/slow-${checksAt}.png`;
    const url = new URL(await signer.signatureUrlV4('PUT', 10, { headers: { 'content-type': 'image/png' } }, key));
    const body = Buffer.alloc(64 * 1024, 3);
    const answer = await putInTwoHalves(url, body, () => (clock = new Date(clock.getTime() + 60_000)));
    expect([Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]), codeOf(answer)]).toEqual([status, code]);
    expect(oss.getObject(key)?.body.equals(body) ?? false).toBe(status === 200);

    // Either way, a request that starts after the URL expired is refused.
    const late = await fetch(url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body });
    expect([late.status, codeOf(await late.text())]).toEqual([403, 'AccessDenied']);
  });
});

/**
 * Signatures recomputed by hand in this file (node:crypto only), checked against Alibaba's published
 * examples, against what the official SDK actually puts on the wire, and against the emulator.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as Sts20150401 from '@alicloud/sts20150401';
import { Config } from '@alicloud/openapi-client';
import OpenApiUtil from '@alicloud/openapi-util';
import { staticAccounts } from '../../local/emulator-accounts';
import { startStsEmulator, type RunningStsEmulator } from '../../local/sts-emulator';
import { acs3CanonicalRequest, acs3Signature, rpcSignature, rpcStringToSign } from '../../local/sts-emulator/signature';

const ACCOUNT = '1234567890123456';
const ROLE_ARN = `acs:ram::${ACCOUNT}:role/uploader`;
const CALLER = { accessKeyId: 'LTAIcaller0000000001', accessKeySecret: 'caller-secret-0123456789' };
const ROLE_POLICY = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: 'acs:oss:*:*:bucket/*' }] });

// ---------------------------------------------------------------------------------------------------------------
// This file's own signers, written from the specifications.

/** RFC 3986: only A-Z a-z 0-9 - _ . ~ stay. */
function enc(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalQuery(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function signRpc(method: string, params: Record<string, string>, secret: string): string {
  const stringToSign = `${method}&${enc('/')}&${enc(canonicalQuery(params))}`;
  return createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

interface Acs3Input {
  method: string;
  host: string;
  query: Record<string, string>;
  headers: Record<string, string>; // x-acs-* (content-sha256 excluded) and content-type
  body: string;
  accessKeyId: string;
  secret: string;
}

function signAcs3(input: Acs3Input): Record<string, string> {
  const headers: Record<string, string> = { ...input.headers, host: input.host, 'x-acs-content-sha256': sha256(input.body) };
  const names = Object.keys(headers)
    .map((n) => n.toLowerCase())
    .sort();
  const canonicalHeaders = names.map((n) => `${n}:${(headers[n] ?? '').trim()}\n`).join('');
  const canonical = [
    input.method,
    '/',
    canonicalQuery(input.query),
    canonicalHeaders,
    names.join(';'),
    headers['x-acs-content-sha256'],
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256(canonical)}`;
  const signature = createHmac('sha256', input.secret).update(stringToSign).digest('hex');
  return {
    ...headers,
    authorization: `ACS3-HMAC-SHA256 Credential=${input.accessKeyId},SignedHeaders=${names.join(';')},Signature=${signature}`,
  };
}

const isoSeconds = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

// ---------------------------------------------------------------------------------------------------------------
// Raw HTTP

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: Record<string, unknown> | undefined;
}

function send(
  emulator: RunningStsEmulator,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: emulator.port, method, path, headers: { host: emulator.endpoint, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function rpcParams(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    Action: 'AssumeRole',
    Version: '2015-04-01',
    Format: 'JSON',
    AccessKeyId: CALLER.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: isoSeconds(new Date()),
    RoleArn: ROLE_ARN,
    RoleSessionName: 'alice',
    DurationSeconds: '900',
    Policy: JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'oss:PutObject', Resource: 'acs:oss:*:*:bucket/users/alice/*' }],
    }),
    ...overrides,
  };
}

function signedQuery(method: string, params: Record<string, string>, secret = CALLER.accessKeySecret): string {
  return `${canonicalQuery(params)}&Signature=${enc(signRpc(method, params, secret))}`;
}

function acs3Input(overrides: Partial<Acs3Input> = {}, headerOverrides: Record<string, string> = {}): Acs3Input {
  return {
    method: 'POST',
    host: '',
    query: { RoleArn: ROLE_ARN, RoleSessionName: 'alice', DurationSeconds: '900' },
    headers: {
      'x-acs-action': 'AssumeRole',
      'x-acs-version': '2015-04-01',
      'x-acs-date': isoSeconds(new Date()),
      'x-acs-signature-nonce': randomUUID(),
      ...headerOverrides,
    },
    body: '',
    accessKeyId: CALLER.accessKeyId,
    secret: CALLER.accessKeySecret,
    ...overrides,
  };
}

let emulator: RunningStsEmulator;
beforeEach(async () => {
  emulator = await startStsEmulator({ callers: staticAccounts([CALLER]), roles: [{ arn: ROLE_ARN, policy: ROLE_POLICY }] });
});
afterEach(async () => {
  await emulator.close();
});

// ---------------------------------------------------------------------------------------------------------------

describe('published examples', () => {
  // Alibaba Cloud "RPC signature method" documentation: DescribeRegions with testid / testsecret.
  const docParams = {
    Timestamp: '2016-02-23T12:46:24Z',
    Format: 'XML',
    AccessKeyId: 'testid',
    Action: 'DescribeRegions',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    Version: '2014-05-26',
    SignatureVersion: '1.0',
  };
  const docStringToSign =
    'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1' +
    '%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0' +
    '%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26';

  it('RPC: this file’s signer gives OLeaidS1JvxuMvnyHOwuJ+uX5qY=', () => {
    expect(signRpc('GET', docParams, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('RPC: the emulator’s verifier computes the same string to sign and signature', () => {
    const stringToSign = rpcStringToSign('GET', new Map(Object.entries({ ...docParams, Signature: 'ignored' })));
    expect(stringToSign).toBe(docStringToSign);
    expect(rpcSignature('testsecret', stringToSign)).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  // Alibaba Cloud "Request syntax and signature method V3": RunInstances on ecs.cn-shanghai.aliyuncs.com.
  const v3 = {
    method: 'POST',
    host: 'ecs.cn-shanghai.aliyuncs.com',
    query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
    headers: {
      'x-acs-action': 'RunInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2023-10-26T10:22:32Z',
      'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
    },
    body: '',
    accessKeyId: 'YourAccessKeyId',
    secret: 'YourAccessKeySecret',
  };
  const v3Authorization =
    'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;' +
    'x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0';

  it('ACS3: this file’s signer reproduces the published Authorization header', () => {
    expect(signAcs3(v3).authorization).toBe(v3Authorization);
  });

  it('ACS3: the emulator’s verifier computes the same signature', () => {
    const headers = signAcs3(v3);
    const canonical = acs3CanonicalRequest({
      method: 'POST',
      rawPath: '/',
      query: Object.entries(v3.query),
      headers,
      signedHeaders: ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version'],
      hashedPayload: sha256(''),
    });
    expect(acs3Signature('YourAccessKeySecret', canonical)).toBe('06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
  });

  it('ACS3: the official openapi-util signer agrees with this file’s signer on an AssumeRole request', () => {
    const input = acs3Input({ host: '127.0.0.1:9200', query: { RoleArn: ROLE_ARN, RoleSessionName: 'alice', Policy: '{"a": "b c*"}' } });
    const mine = signAcs3(input);
    const official = OpenApiUtil.getAuthorization(
      { pathname: '/', method: 'POST', query: input.query, headers: { ...mine, authorization: undefined } } as never,
      'ACS3-HMAC-SHA256',
      sha256(''),
      input.accessKeyId,
      input.secret,
    );
    expect(official).toBe(mine.authorization);
  });
});

describe('what sts20150401 1.1.4 puts on the wire', () => {
  interface Captured {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
    body: string;
  }

  async function captureSdkRequest(): Promise<Captured> {
    let captured: Captured | undefined;
    const capture = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        captured = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"RequestId":"x"}');
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    const { port } = capture.address() as AddressInfo;
    try {
      const client = new Sts20150401.default(new Config({ endpoint: `127.0.0.1:${port}`, protocol: 'http', ...CALLER }));
      await client.assumeRole(
        new Sts20150401.AssumeRoleRequest({
          roleArn: ROLE_ARN,
          roleSessionName: 'alice',
          durationSeconds: 900,
          policy: rpcParams()['Policy'] ?? '',
        }),
      );
    } finally {
      capture.closeAllConnections();
      await new Promise((resolve) => capture.close(resolve));
    }
    if (captured === undefined) throw new Error('nothing captured');
    return captured;
  }

  const queryOf = (url: string) =>
    Object.fromEntries(
      (url.split('?')[1] ?? '').split('&').map((pair) => {
        const [k = '', v = ''] = pair.split('=');
        return [decodeURIComponent(k), decodeURIComponent(v)];
      }),
    );

  it('POSTs to "/" with every parameter in the query string, an empty body and an RPC HMAC-SHA1 signature', async () => {
    const sent = await captureSdkRequest();
    expect(sent.method).toBe('POST');
    expect(sent.url.startsWith('/?')).toBe(true);
    expect(sent.body).toBe('');
    expect(sent.headers['content-type']).toBeUndefined();
    expect(sent.headers['authorization']).toBeUndefined();
    expect(sent.headers['x-acs-action']).toBe('AssumeRole');
    expect(sent.headers['x-acs-version']).toBe('2015-04-01');
    const query = queryOf(sent.url);
    expect(Object.keys(query).sort()).toEqual([
      'AccessKeyId',
      'Action',
      'DurationSeconds',
      'Format',
      'Policy',
      'RoleArn',
      'RoleSessionName',
      'Signature',
      'SignatureMethod',
      'SignatureNonce',
      'SignatureVersion',
      'Timestamp',
      'Version',
    ]);
    expect(query).toMatchObject({
      Action: 'AssumeRole',
      Version: '2015-04-01',
      Format: 'json',
      AccessKeyId: CALLER.accessKeyId,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      DurationSeconds: '900',
      RoleArn: ROLE_ARN,
      RoleSessionName: 'alice',
    });
    expect(query['Timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(query['SignatureNonce']).toMatch(/^[0-9a-f]{32}$/);

    // The signature, recomputed by hand from what was sent.
    const { Signature: signature, ...signed } = query;
    expect(signature).toBe(signRpc('POST', signed, CALLER.accessKeySecret));
  });

  it('is accepted by the emulator once, refused as a replay, and refused when altered', async () => {
    const sent = await captureSdkRequest();
    const headers = { 'x-acs-action': 'AssumeRole', 'x-acs-version': '2015-04-01' };
    const first = await send(emulator, sent.method, sent.url, headers);
    expect(first.status).toBe(200);
    expect(first.json?.['Credentials']).toMatchObject({ AccessKeyId: expect.stringMatching(/^STS\./) });

    const replay = await send(emulator, sent.method, sent.url, headers);
    expect([replay.status, replay.json?.['Code']]).toEqual([400, 'SignatureNonceUsed']);

    const altered = sent.url.replace('RoleSessionName=alice', 'RoleSessionName=mallory');
    expect(altered).not.toBe(sent.url);
    const refused = await send(emulator, sent.method, altered, headers);
    expect([refused.status, refused.json?.['Code']]).toEqual([400, 'SignatureDoesNotMatch']);
    expect(emulator.assumeRoleCalls()).toBe(3);
  });
});

describe('RPC signatures signed by hand', () => {
  it('accepts a GET with everything in the query', async () => {
    const answer = await send(emulator, 'GET', `/?${signedQuery('GET', rpcParams())}`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json;charset=utf-8');
  });

  it('accepts a POST with the parameters in a form body, signed together with the query', async () => {
    const params = rpcParams();
    const { RoleArn, RoleSessionName, Policy, DurationSeconds, ...common } = params;
    const body = canonicalQuery({
      RoleArn: RoleArn ?? '',
      RoleSessionName: RoleSessionName ?? '',
      Policy: Policy ?? '',
      DurationSeconds: DurationSeconds ?? '',
    });
    const signature = signRpc('POST', params, CALLER.accessKeySecret);
    const url = `/?${canonicalQuery(common)}&Signature=${enc(signature)}`;
    const answer = await send(emulator, 'POST', url, { 'content-type': 'application/x-www-form-urlencoded' }, body);
    expect(answer.status).toBe(200);

    const altered = body.replace('RoleSessionName=alice', 'RoleSessionName=mallory');
    const refused = await send(
      emulator,
      'POST',
      url.replace(/SignatureNonce=[^&]+/, `SignatureNonce=${randomUUID()}`),
      { 'content-type': 'application/x-www-form-urlencoded' },
      altered,
    );
    expect(refused.json?.['Code']).toBe('SignatureDoesNotMatch');
  });

  it('refuses a GET signature presented on a POST (the method is signed)', async () => {
    const answer = await send(emulator, 'POST', `/?${signedQuery('GET', rpcParams())}`);
    expect(answer.json?.['Code']).toBe('SignatureDoesNotMatch');
  });

  const refusals: Array<[string, () => { method: string; path: string; headers?: Record<string, string>; body?: string }, number, string]> =
    [
      [
        'a wrong secret',
        () => ({ method: 'GET', path: `/?${signedQuery('GET', rpcParams(), 'not-the-secret')}` }),
        400,
        'SignatureDoesNotMatch',
      ],
      [
        'an unknown key',
        () => ({ method: 'GET', path: `/?${signedQuery('GET', rpcParams({ AccessKeyId: 'LTAInobody' }))}` }),
        404,
        'InvalidAccessKeyId.NotFound',
      ],
      ['no signature', () => ({ method: 'GET', path: `/?${canonicalQuery(rpcParams())}` }), 400, 'MissingSignature'],
      [
        'no nonce',
        () => {
          const { SignatureNonce: _nonce, ...params } = rpcParams();
          return { method: 'GET', path: `/?${signedQuery('GET', params)}` };
        },
        400,
        'MissingSignatureNonce',
      ],
      [
        'a Timestamp 16 minutes old',
        () => ({
          method: 'GET',
          path: `/?${signedQuery('GET', rpcParams({ Timestamp: isoSeconds(new Date(Date.now() - 16 * 60_000)) }))}`,
        }),
        400,
        'InvalidTimeStamp.Expired',
      ],
      [
        'a Timestamp 16 minutes ahead',
        () => ({
          method: 'GET',
          path: `/?${signedQuery('GET', rpcParams({ Timestamp: isoSeconds(new Date(Date.now() + 16 * 60_000)) }))}`,
        }),
        400,
        'InvalidTimeStamp.Expired',
      ],
      [
        'a Timestamp in another format',
        () => ({ method: 'GET', path: `/?${signedQuery('GET', rpcParams({ Timestamp: new Date().toUTCString() }))}` }),
        400,
        'InvalidTimeStamp.Format',
      ],
      [
        'HMAC-SHA256 as SignatureMethod',
        () => ({ method: 'GET', path: `/?${signedQuery('GET', rpcParams({ SignatureMethod: 'HMAC-SHA256' }))}` }),
        400,
        'InvalidSignatureMethod',
      ],
      [
        'a parameter given twice',
        () => ({ method: 'GET', path: `/?${signedQuery('GET', rpcParams())}&RoleSessionName=mallory` }),
        400,
        'InvalidParameter',
      ],
      [
        'another action',
        () => ({ method: 'GET', path: `/?${signedQuery('GET', rpcParams({ Action: 'GetCallerIdentity' }))}` }),
        404,
        'InvalidAction.NotFound',
      ],
      [
        'another version',
        () => ({ method: 'GET', path: `/?${signedQuery('GET', rpcParams({ Version: '2015-04-02' }))}` }),
        400,
        'InvalidVersion',
      ],
      [
        'no Action',
        () => {
          const { Action: _action, ...params } = rpcParams();
          return { method: 'GET', path: `/?${signedQuery('GET', params)}` };
        },
        400,
        'MissingAction',
      ],
      ['another path', () => ({ method: 'GET', path: `/sts/?${signedQuery('GET', rpcParams())}` }), 404, 'InvalidAction.NotFound'],
      ['PUT', () => ({ method: 'PUT', path: `/?${signedQuery('PUT', rpcParams())}` }), 405, 'UnsupportedHTTPMethod'],
      [
        'a text/plain body',
        () => ({ method: 'POST', path: `/?${signedQuery('POST', rpcParams())}`, headers: { 'content-type': 'text/plain' }, body: 'hello' }),
        400,
        'InvalidParameter.ContentType',
      ],
      [
        'a malformed percent-encoding',
        () => ({ method: 'GET', path: `/?${signedQuery('GET', rpcParams())}&X=%E0%A4%A` }),
        400,
        'InvalidParameter',
      ],
      [
        'a 70 KB body',
        () => ({
          method: 'POST',
          path: '/',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `X=${'a'.repeat(70 * 1024)}`,
        }),
        413,
        'RequestEntityTooLarge',
      ],
    ];
  it.each(refusals.map(([name, build, status, code]) => [`refuses ${name} → ${status} ${code}`, build, status, code] as const))(
    '%s',
    async (_title, build, status, code) => {
      const { method, path, headers, body } = build();
      const answer = await send(emulator, method, path, headers, body);
      expect([answer.status, answer.json?.['Code']]).toEqual([status, code]);
      expect(Object.keys(answer.json ?? {}).sort()).toEqual(['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
    },
  );
});

describe('ACS3-HMAC-SHA256 signed by hand', () => {
  const post = (input: Acs3Input, headers: Record<string, string>) =>
    send(emulator, input.method, `/?${canonicalQuery(input.query)}`, headers, input.body);

  it('accepts a hand-signed request and issues credentials', async () => {
    const input = acs3Input({ host: emulator.endpoint });
    const answer = await post(input, signAcs3(input));
    expect(answer.status).toBe(200);
    expect(answer.json?.['AssumedRoleUser']).toMatchObject({ Arn: `acs:ram::${ACCOUNT}:assumed-role/uploader/alice` });
    expect(emulator.lastRequests()).toEqual([{ roleSessionName: 'alice', durationSeconds: 900, policy: undefined }]);
  });

  it('accepts the parameters in a form body or a JSON body, covered by the payload hash', async () => {
    const params = { RoleArn: ROLE_ARN, RoleSessionName: 'alice', DurationSeconds: '900' };
    const form = acs3Input(
      { host: emulator.endpoint, query: {}, body: canonicalQuery(params) },
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    expect((await send(emulator, 'POST', '/', signAcs3(form), form.body)).status).toBe(200);
    const json = acs3Input(
      { host: emulator.endpoint, query: {}, body: JSON.stringify({ ...params, DurationSeconds: 900 }) },
      { 'content-type': 'application/json' },
    );
    expect((await send(emulator, 'POST', '/', signAcs3(json), json.body)).status).toBe(200);
  });

  it('accepts a session with a security token in x-acs-security-token', async () => {
    const first = acs3Input({ host: emulator.endpoint });
    const issued = (await post(first, signAcs3(first))).json?.['Credentials'] as Record<string, string>;
    await emulator.close();
    emulator = await startStsEmulator({ callers: staticAccounts([]), roles: [{ arn: ROLE_ARN, policy: ROLE_POLICY }] });
    // A fresh emulator does not know the old session: the caller resolver is what decides.
    const chained = acs3Input(
      { host: emulator.endpoint, accessKeyId: issued['AccessKeyId'] ?? '', secret: issued['AccessKeySecret'] ?? '' },
      { 'x-acs-security-token': issued['SecurityToken'] ?? '' },
    );
    const answer = await post(chained, signAcs3(chained));
    expect([answer.status, answer.json?.['Code']]).toEqual([404, 'InvalidAccessKeyId.NotFound']);
  });

  it('refuses a replayed nonce', async () => {
    const input = acs3Input({ host: emulator.endpoint });
    const headers = signAcs3(input);
    expect((await post(input, headers)).status).toBe(200);
    const replay = await post(input, headers);
    expect([replay.status, replay.json?.['Code']]).toEqual([400, 'SignatureNonceUsed']);
  });

  type Tamper = (
    input: Acs3Input,
    headers: Record<string, string>,
  ) => { query: Record<string, string>; headers: Record<string, string>; body: string };
  const tampered: Array<[string, Tamper, number, string]> = [
    [
      'a query value changed after signing',
      (i, h) => ({ query: { ...i.query, RoleSessionName: 'mallory' }, headers: h, body: i.body }),
      400,
      'SignatureDoesNotMatch',
    ],
    [
      'a query parameter added after signing',
      (i, h) => ({ query: { ...i.query, Policy: '{}' }, headers: h, body: i.body }),
      400,
      'SignatureDoesNotMatch',
    ],
    [
      'a body added, hash header unchanged',
      (i, h) => ({ query: i.query, headers: { ...h, 'content-type': 'application/x-www-form-urlencoded' }, body: 'Policy=x' }),
      400,
      'IncompleteSignature',
    ],
    [
      'a signed x-acs-date changed (still in the window)',
      (i, h) => ({ query: i.query, headers: { ...h, 'x-acs-date': isoSeconds(new Date(Date.now() - 60_000)) }, body: i.body }),
      400,
      'SignatureDoesNotMatch',
    ],
    [
      'a signed action header changed',
      (i, h) => ({ query: i.query, headers: { ...h, 'x-acs-version': '2015-04-02' }, body: i.body }),
      400,
      'InvalidVersion',
    ],
    [
      'an unsigned x-acs-* header added',
      (i, h) => ({ query: i.query, headers: { ...h, 'x-acs-extra': '1' }, body: i.body }),
      400,
      'IncompleteSignature',
    ],
    [
      'host left out of SignedHeaders',
      (i, h) => ({
        query: i.query,
        headers: { ...h, authorization: (h['authorization'] ?? '').replace('SignedHeaders=host;', 'SignedHeaders=') },
        body: i.body,
      }),
      400,
      'IncompleteSignature',
    ],
    [
      'SignedHeaders unsorted',
      (i, h) => ({
        query: i.query,
        headers: { ...h, authorization: (h['authorization'] ?? '').replace('host;x-acs-action', 'x-acs-action;host') },
        body: i.body,
      }),
      400,
      'IncompleteSignature',
    ],
    [
      'another algorithm',
      (i, h) => ({
        query: i.query,
        headers: { ...h, authorization: (h['authorization'] ?? '').replace('ACS3-HMAC-SHA256', 'ACS3-HMAC-SM3') },
        body: i.body,
      }),
      400,
      'IncompleteSignature',
    ],
    [
      'a signature in upper-case hex',
      (i, h) => ({
        query: i.query,
        headers: {
          ...h,
          authorization: (h['authorization'] ?? '').replace(/Signature=(\w+)/, (_m, s: string) => `Signature=${s.toUpperCase()}`),
        },
        body: i.body,
      }),
      400,
      'SignatureDoesNotMatch',
    ],
    [
      'a signature one bit off',
      (i, h) => ({
        query: i.query,
        headers: { ...h, authorization: (h['authorization'] ?? '').replace(/.$/, (c) => (c === '0' ? '1' : '0')) },
        body: i.body,
      }),
      400,
      'SignatureDoesNotMatch',
    ],
    [
      'no x-acs-signature-nonce',
      (i, h) => {
        const { 'x-acs-signature-nonce': _n, ...rest } = h;
        return { query: i.query, headers: rest, body: i.body };
      },
      400,
      'MissingSignatureNonce',
    ],
  ];
  it.each(tampered.map(([name, tamper, status, code]) => [`refuses ${name} → ${status} ${code}`, tamper, status, code] as const))(
    '%s',
    async (_title, tamper, status, code) => {
      const input = acs3Input({ host: emulator.endpoint });
      const changed = tamper(input, signAcs3(input));
      const answer = await send(emulator, 'POST', `/?${canonicalQuery(changed.query)}`, changed.headers, changed.body);
      expect([answer.status, answer.json?.['Code']]).toEqual([status, code]);
    },
  );

  it('refuses a body swapped for another with its hash header updated but not re-signed', async () => {
    const params = { RoleArn: ROLE_ARN, RoleSessionName: 'alice' };
    const input = acs3Input(
      { host: emulator.endpoint, query: {}, body: canonicalQuery(params) },
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    const headers = signAcs3(input);
    const swapped = canonicalQuery({ ...params, RoleSessionName: 'mallory' });
    const answer = await send(emulator, 'POST', '/', { ...headers, 'x-acs-content-sha256': sha256(swapped) }, swapped);
    expect(answer.json?.['Code']).toBe('SignatureDoesNotMatch');
    const unchangedHash = await send(emulator, 'POST', '/', headers, swapped);
    expect(unchangedHash.json?.['Code']).toBe('SignatureDoesNotMatch');
  });

  it('accepts the official SDK switched to ACS3 (what sts20150401 1.2.x sends by default)', async () => {
    const client = new Sts20150401.default(new Config({ endpoint: emulator.endpoint, protocol: 'http', ...CALLER }));
    // 1.1.4 pins RPC signatures; clearing the pin routes the call through openapi-client's ACS3 signer.
    (client as unknown as { _signatureAlgorithm: string })._signatureAlgorithm = 'ACS3-HMAC-SHA256';
    const response = await client.assumeRole(
      new Sts20150401.AssumeRoleRequest({ roleArn: ROLE_ARN, roleSessionName: 'alice', durationSeconds: 900 }),
    );
    expect(response.statusCode).toBe(200);
    const credentials = response.body?.credentials;
    const lookup = emulator.credentialResolver()(credentials?.accessKeyId ?? '', credentials?.securityToken, new Date());
    expect(lookup.kind).toBe('found');

    const wrong = new Sts20150401.default(
      new Config({ endpoint: emulator.endpoint, protocol: 'http', ...CALLER, accessKeySecret: 'wrong' }),
    );
    (wrong as unknown as { _signatureAlgorithm: string })._signatureAlgorithm = 'ACS3-HMAC-SHA256';
    await expect(
      wrong.assumeRole(new Sts20150401.AssumeRoleRequest({ roleArn: ROLE_ARN, roleSessionName: 'alice' })),
    ).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
      statusCode: 400,
    });
  });
});

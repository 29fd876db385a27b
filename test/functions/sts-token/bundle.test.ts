/**
 * The built sts-token bundle, run in a bare folder with only Node's built-in modules, against the STS emulator
 * over HTTP: it proves the bundle's substitutes for @alicloud/credentials and @alicloud/tea-xml (tools/build.mjs)
 * sign as the SDK does, with long-term keys and with FC's temporary role credentials, and that the one for debug
 * keeps httpx silent.
 */
import { execFile } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstKnown, staticAccounts } from '../../../local/emulator-accounts';
import { startStsEmulator, type RunningStsEmulator } from '../../../local/sts-emulator';
import { assumeRoleWithSdk } from '../../../shared/alicloud/sts-client';
import { copyBuiltFunction } from '../../support/built-function';
import { baseEnv } from '../../support/env';
import { fcEvent, jsonOf, type FcResponse } from '../../support/fc-event';
import { registerIssued } from '../../support/log-capture';
import { hsToken } from '../../support/tokens';

const ACCOUNT = '1234567890123456';
const UPLOAD_ROLE = `acs:ram::${ACCOUNT}:role/oss-upload`;
const FC_ROLE = `acs:ram::${ACCOUNT}:role/fc-sts-token`;
const root = { accessKeyId: 'LTAI-bundle-root', accessKeySecret: 'bundle-root-secret' };

let sts: RunningStsEmulator;
beforeAll(async () => {
  let issued: ReturnType<RunningStsEmulator['credentialResolver']> = () => ({
    kind: 'error',
    code: 'InvalidAccessKeyId',
    message: 'unknown',
  });
  sts = await startStsEmulator({
    callers: firstKnown(staticAccounts([root]), (id, token, now) => issued(id, token, now)),
    roles: [
      {
        arn: UPLOAD_ROLE,
        policy: JSON.stringify({
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'],
              Resource: ['acs:oss:*:*:uploads-bucket/users/*/sts/*'],
            },
          ],
        }),
      },
      {
        arn: FC_ROLE,
        policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [UPLOAD_ROLE] }] }),
      },
    ],
  });
  issued = sts.credentialResolver();
});
afterAll(() => sts.close());

/** Asynchronous, so the STS emulator in this process keeps answering while the bundle runs. */
async function runBundle(
  env: Record<string, string | undefined>,
  context: unknown,
  events: Buffer[],
): Promise<{ responses: FcResponse[]; logs: Array<Record<string, unknown>>; stderr: string; builtins: string[] }> {
  const folder = copyBuiltFunction('sts-token');
  writeFileSync(join(folder, 'input.json'), JSON.stringify({ context, events: events.map((event) => event.toString('base64')) }));
  writeFileSync(
    join(folder, 'run.js'),
    `const { handler } = require('./index.js');
     const input = require('./input.json');
     (async () => { const out = []; for (const e of input.events) out.push(await handler(Buffer.from(e, 'base64'), input.context));
       const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
       require('fs').writeFileSync('results.json', JSON.stringify({ out, builtins })); })();`,
  );
  const { stdout: logs, stderr } = await promisify(execFile)(process.execPath, ['run.js'], {
    cwd: folder,
    env: { PATH: process.env['PATH'] ?? '', NODE_PATH: '', ...(env as Record<string, string>) },
    encoding: 'utf8',
  });
  const results = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as { out: FcResponse[]; builtins: string[] };
  return {
    responses: results.out,
    builtins: results.builtins,
    stderr,
    logs: logs
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const env = (extra: Record<string, string> = {}): Record<string, string | undefined> =>
  baseEnv({ STS_ROLE_ARN: UPLOAD_ROLE, STS_ENDPOINT: sts.endpoint, ...extra });

test('with long-term keys (the fallback variables): credentials confined to the prefix', async () => {
  const before = sts.assumeRoleCalls();
  const event = fcEvent({
    headers: { authorization: `Bearer ${await hsToken({ sub: 'alice' })}`, 'content-type': 'application/json' },
    body: {},
  });
  const { responses } = await runBundle(
    env({ ALIBABA_CLOUD_ACCESS_KEY_ID: root.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: root.accessKeySecret }),
    { requestId: 'b1' },
    [event, event],
  );
  expect(responses.map((r) => r.statusCode)).toEqual([200, 200]);
  expect(jsonOf(responses[0]!)['prefix']).toBe('users/alice/sts/');
  expect(sts.assumeRoleCalls() - before).toBe(1); // the second request was served from the instance cache
});

test('with FC role credentials (a security token) in context, as in the cloud', async () => {
  const fcRole = await assumeRoleWithSdk({
    endpoint: { host: sts.endpoint, protocol: 'http' },
    caller: { ...root, securityToken: undefined },
    roleArn: FC_ROLE,
    roleSessionName: 'fc-test',
    durationSeconds: 3600,
    policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }] }),
    timeoutMs: 3000,
  });
  registerIssued(fcRole.accessKeySecret, fcRole.securityToken);
  const event = fcEvent({
    headers: { authorization: `Bearer ${await hsToken({ sub: 'bob' })}`, 'content-type': 'application/json' },
    body: {},
  });
  const context = {
    requestId: 'b2',
    credentials: { accessKeyId: fcRole.accessKeyId, accessKeySecret: fcRole.accessKeySecret, securityToken: fcRole.securityToken },
  };
  const { responses } = await runBundle(env(), context, [event]);
  expect(responses[0]!.statusCode).toBe(200);
  expect(jsonOf(responses[0]!)['prefix']).toBe('users/bob/sts/');
});

test('a configuration error still reaches the log by its STS code, with a generic 500 to the client', async () => {
  const event = fcEvent({
    headers: { authorization: `Bearer ${await hsToken({ sub: 'carol' })}`, 'content-type': 'application/json' },
    body: {},
  });
  const { responses, logs } = await runBundle(
    env({
      STS_ROLE_ARN: `acs:ram::${ACCOUNT}:role/missing`,
      ALIBABA_CLOUD_ACCESS_KEY_ID: root.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: root.accessKeySecret,
    }),
    { requestId: 'b3' },
    [event],
  );
  expect(responses[0]!.statusCode).toBe(500);
  expect(logs.at(-1)?.['cause']).toContain('EntityNotExist.Role');
});

const rootKeys = { ALIBABA_CLOUD_ACCESS_KEY_ID: root.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: root.accessKeySecret };

test('DEBUG=* shows nothing of the STS exchange: debug is bundled switched off (httpx would print the signed request line, with the caller token in it)', async () => {
  const event = fcEvent({
    headers: { authorization: `Bearer ${await hsToken({ sub: 'dora' })}`, 'content-type': 'application/json' },
    body: {},
  });
  const { responses, stderr } = await runBundle(env({ ...rootKeys, DEBUG: '*' }), { requestId: 'b4' }, [event]);
  expect(responses[0]!.statusCode).toBe(200);
  expect(stderr).toBe('');
});

/** Forwards to the STS emulator and gzips its answer, as a server might even though the request names no encoding. */
async function gzipProxy(): Promise<Server> {
  const [host, port] = sts.endpoint.split(':') as [string, string];
  const proxy = createServer((req, res) => {
    const forwarded = httpRequest({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = gzipSync(Buffer.concat(chunks));
        res.writeHead(answer.statusCode ?? 502, {
          'content-type': answer.headers['content-type'] ?? 'application/json',
          'content-encoding': 'gzip',
          'content-length': body.length,
        });
        res.end(body);
      });
    });
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return proxy;
}

test('the SDK asks for no compression and reads answers raw: a compressed one fails in the bundle as with the real packages', async () => {
  const event = async (sub: string): Promise<Buffer> =>
    fcEvent({ headers: { authorization: `Bearer ${await hsToken({ sub })}`, 'content-type': 'application/json' }, body: {} });
  const plain = await runBundle(env(rootKeys), { requestId: 'b5' }, [await event('erin')]);
  expect(plain.responses[0]!.statusCode).toBe(200);
  expect(plain.builtins).toContain('http');

  const proxy = await gzipProxy();
  try {
    const endpoint = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    // The real packages (openapi-client 0.4.15, tea-util, httpx with the real zlib), unbundled, in this process.
    const unbundled = assumeRoleWithSdk({
      endpoint: { host: endpoint, protocol: 'http' },
      caller: { ...root, securityToken: undefined },
      roleArn: UPLOAD_ROLE,
      roleSessionName: 'gzip-test',
      durationSeconds: 900,
      policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: ['*'] }] }),
      timeoutMs: 3000,
    });
    await expect(unbundled).rejects.toMatchObject({ status: 503, logDetail: 'STS call failed: SyntaxError (-)' });
    const bundled = await runBundle(env({ ...rootKeys, STS_ENDPOINT: endpoint }), { requestId: 'b6' }, [await event('fred')]);
    expect(bundled.responses[0]!.statusCode).toBe(503);
    expect(bundled.logs.at(-1)?.['cause']).toBe('STS call failed: SyntaxError (-)');
  } finally {
    proxy.close();
  }
});

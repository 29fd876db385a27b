/**
 * The built sts-token bundle, run in a bare folder with only Node's built-in modules, against the STS emulator
 * over HTTP: it proves the bundle's substitutes for @alicloud/credentials and @alicloud/tea-xml (scripts/build.mjs)
 * sign as the SDK does, with long-term keys and with FC's temporary role credentials.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstKnown, staticAccounts } from '../../../local/emulator-accounts';
import { startStsEmulator, type RunningStsEmulator } from '../../../local/sts-emulator';
import { assumeRoleWithSdk } from '../../../shared/alicloud/sts-client';
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
): Promise<{ responses: FcResponse[]; logs: Array<Record<string, unknown>> }> {
  const folder = mkdtempSync(join(tmpdir(), 'sts-token-bundle-'));
  copyFileSync(join(__dirname, '..', '..', '..', 'dist', 'sts-token', 'index.js'), join(folder, 'index.js'));
  writeFileSync(join(folder, 'input.json'), JSON.stringify({ context, events: events.map((event) => event.toString('base64')) }));
  writeFileSync(
    join(folder, 'run.js'),
    `const { handler } = require('./index.js');
     const input = require('./input.json');
     (async () => { const out = []; for (const e of input.events) out.push(await handler(Buffer.from(e, 'base64'), input.context));
       require('fs').writeFileSync('results.json', JSON.stringify(out)); })();`,
  );
  const { stdout: logs } = await promisify(execFile)(process.execPath, ['run.js'], {
    cwd: folder,
    env: { PATH: process.env['PATH'] ?? '', NODE_PATH: '', ...(env as Record<string, string>) },
    encoding: 'utf8',
  });
  return {
    responses: JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as FcResponse[],
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

/**
 * What embedded mode takes from the environment (local/embedded-env.ts), and the development tokens it then
 * signs: with AUTH_ISSUER / AUTH_AUDIENCE but no login of the team's own, the tokens carry them and are accepted.
 */
import { decodeJwt } from 'jose';
import { startDevStack } from '../../local/dev-stack';
import { embeddedEnvironment } from '../../local/embedded-env';
import { keptDevSecret, LOCAL_BUCKET, LOCAL_DEV_AUDIENCE, LOCAL_DEV_ISSUER, LOCAL_UPLOAD_ROLE } from '../../local/local-account';
import { tempFolder } from '../support/temp-folder';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerAnswer } from '../support/log-capture';

const DEMO = ['http://127.0.0.1:9000', 'http://localhost:9000'];

describe('embeddedEnvironment', () => {
  it('with nothing set: the local account, a fresh 32-byte development secret, the demo origins; nothing to report', () => {
    const first = embeddedEnvironment({}, DEMO);
    expect(first.env).toMatchObject({ OSS_BUCKET: LOCAL_BUCKET, STS_ROLE_ARN: LOCAL_UPLOAD_ROLE, ALLOWED_ORIGINS: DEMO.join(',') });
    expect(Buffer.from(first.env['AUTH_JWT_SECRET']!, 'base64url')).toHaveLength(32);
    expect(first.devTokens).toEqual({
      kind: 'on',
      secret: first.env['AUTH_JWT_SECRET'],
      issuer: LOCAL_DEV_ISSUER,
      audience: LOCAL_DEV_AUDIENCE,
    });
    expect(first.env).toMatchObject({ AUTH_ISSUER: LOCAL_DEV_ISSUER, AUTH_AUDIENCE: LOCAL_DEV_AUDIENCE });
    expect(first.report).toEqual([]);
    expect(embeddedEnvironment({}, DEMO).env['AUTH_JWT_SECRET']).not.toBe(first.env['AUTH_JWT_SECRET']);
  });

  it('with a data folder, the development secret is kept there (owner-only) and the same on the next start', () => {
    const dataDir = tempFolder('dev-secret-');
    const first = embeddedEnvironment({}, DEMO, { devSecret: keptDevSecret(dataDir) });
    const again = embeddedEnvironment({}, DEMO, { devSecret: keptDevSecret(dataDir) });
    expect(again.env['AUTH_JWT_SECRET']).toBe(first.env['AUTH_JWT_SECRET']);
    expect(Buffer.from(first.env['AUTH_JWT_SECRET']!, 'base64url')).toHaveLength(32);
    expect(readFileSync(join(dataDir, 'dev-secret'), 'utf8').trim()).toBe(first.env['AUTH_JWT_SECRET']);
    expect(statSync(join(dataDir, 'dev-secret')).mode & 0o777).toBe(0o600);
    // A damaged file is replaced, never used as a secret.
    const damaged = tempFolder('dev-secret-');
    writeFileSync(join(damaged, 'dev-secret'), 'short\n');
    expect(keptDevSecret(damaged)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('ALLOWED_ORIGINS adds to the demo origins; the stack-owned variables are ignored and named; blanks count as unset', () => {
    const { env, report } = embeddedEnvironment(
      {
        ALLOWED_ORIGINS: 'http://localhost:5173, https://app.example.com',
        OSS_BUCKET: '',
        OSS_REGION: 'eu-central-1',
        OSS_ENDPOINT: 'https://cdn.example.com',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-real',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'real-secret-value',
        MAX_UPLOAD_BYTES: '   ',
        PATH: '/usr/bin',
      },
      DEMO,
    );
    expect(env['ALLOWED_ORIGINS']).toBe(`${DEMO.join(',')},http://localhost:5173, https://app.example.com`);
    expect(env['OSS_REGION']).toBe('cn-hangzhou');
    for (const name of ['OSS_ENDPOINT', 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'MAX_UPLOAD_BYTES', 'PATH']) {
      expect(env[name]).toBeUndefined();
    }
    expect(report).toEqual([
      "ALLOWED_ORIGINS = http://localhost:5173, https://app.example.com (added to the demo page's origins)",
      'ignored, the local stack sets them: OSS_REGION, OSS_ENDPOINT, ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    ]);
    expect(report.join('\n')).not.toContain('real-secret-value');
  });

  it("a team's secret is used as given (untrimmed), shown only as set, and turns development tokens off", () => {
    const secret = ' spaces-count-in-a-secret-of-32-bytes+ ';
    const { env, devTokens, report } = embeddedEnvironment({ AUTH_JWT_SECRET: secret }, DEMO);
    expect(env['AUTH_JWT_SECRET']).toBe(secret);
    expect(devTokens.kind).toBe('off');
    expect(report).toEqual(['AUTH_JWT_SECRET (set; value not shown)']);
  });

  it('a JWKS login: no development secret at all, only the origin of the URL is shown', () => {
    const { env, devTokens, report } = embeddedEnvironment({ AUTH_JWKS_URL: 'https://idp.example.com/tenant/keys?key=abc' }, DEMO);
    expect(env['AUTH_JWT_SECRET']).toBeUndefined();
    expect(devTokens).toEqual({ kind: 'off', reason: expect.stringContaining('AUTH_JWKS_URL') });
    expect(report).toEqual(['AUTH_JWKS_URL = https://idp.example.com/…']);
  });

  it('settings are shown with their value, quoted when it holds characters that would break the line', () => {
    const { report } = embeddedEnvironment({ AUTH_AUDIENCE: 'app\nnext', STS_TIMEOUT_MS: '2000' }, DEMO);
    expect(report).toEqual(['AUTH_AUDIENCE = "app\\nnext"', 'STS_TIMEOUT_MS = 2000']);
  });
});

test('with AUTH_ISSUER and AUTH_AUDIENCE only, development tokens carry them and sign-url accepts them', async () => {
  const stack = await startDevStack({
    port: 0,
    ossPort: 0,
    stsPort: 0,
    env: { AUTH_ISSUER: 'https://login.local', AUTH_AUDIENCE: 'uploads' },
  });
  try {
    const { token } = (await (await fetch(`${stack.url}/api/dev-token?user=dana`)).json()) as { token: string };
    registerAnswer({ token });
    expect(decodeJwt(token)).toMatchObject({ sub: 'dana', iss: 'https://login.local', aud: 'uploads' });
    const response = await fetch(`${stack.url}/api/sign-url`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'd.png', contentType: 'image/png', size: 1 }),
    });
    registerAnswer(await response.clone().json());
    expect(response.status).toBe(200);
  } finally {
    await stack.close();
  }
});

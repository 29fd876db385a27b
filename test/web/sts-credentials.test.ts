/** The browser client's refresh logic, with a fake clock: one refresh for many uploads, before expiry, skew-corrected. */
import type { StsTokenAnswer } from '../../shared/contract';
import { createCredentialProvider } from '../../web/sts-credentials';

const MINUTE = 60_000;

function answer(serverNow: number, lifetimeMs: number, id: string): StsTokenAnswer {
  return {
    accessKeyId: id,
    accessKeySecret: 'secret',
    securityToken: 'token',
    stsToken: 'token',
    expiration: new Date(serverNow + lifetimeMs).toISOString(),
    serverTime: new Date(serverNow).toISOString(),
    bucket: 'b',
    region: 'oss-cn-hangzhou',
    endpoint: 'https://b.oss-cn-hangzhou.aliyuncs.com',
    cname: true,
    secure: true,
    authorizationV4: true,
    prefix: 'users/u/',
    profile: 'default',
    maxBytes: 1,
    allowedContentTypes: ['image/png'],
  };
}

/** `skewMs`: how far the server's clock is ahead of this device's. */
function setup(
  skewMs = 0,
  lifetimeMs = 15 * MINUTE,
): { provider: ReturnType<typeof createCredentialProvider>; calls: () => number; advance: (ms: number) => void } {
  let local = Date.parse('2026-11-28T10:00:00Z');
  let calls = 0;
  const provider = createCredentialProvider({
    now: () => local,
    fetchCredentials: async () => {
      const id = `STS.${++calls}`;
      await new Promise((resolve) => setTimeout(resolve, 1)); // answered later, as over a network
      return answer(local + skewMs, lifetimeMs, id);
    },
  });
  return { provider, calls: () => calls, advance: (ms) => void (local += ms) };
}

test('one refresh for many concurrent uploads', async () => {
  const { provider, calls } = setup();
  const results = await Promise.all(Array.from({ length: 50 }, () => provider.get()));
  expect(calls()).toBe(1);
  expect(new Set(results.map((r) => r.accessKeyId))).toEqual(new Set(['STS.1']));
});

test('cached until the refresh margin, refreshed before expiry, one refresh at a time', async () => {
  const { provider, calls, advance } = setup();
  await provider.get();
  advance(9 * MINUTE);
  expect((await provider.get()).accessKeyId).toBe('STS.1');
  advance(1 * MINUTE + 1); // 5 minutes minus 1 ms remain: inside the 5-minute margin
  const refreshed = await Promise.all([provider.get(), provider.get(), provider.get()]);
  expect(calls()).toBe(2);
  expect(refreshed.map((r) => r.accessKeyId)).toEqual(['STS.2', 'STS.2', 'STS.2']);
});

test('skew: a device clock 10 minutes behind still refreshes before the real expiry', async () => {
  // The server is 10 minutes ahead of this device; the credentials last 15 minutes of server time.
  const { provider, calls, advance } = setup(10 * MINUTE);
  const first = await provider.get();
  expect(provider.skewMs()).toBe(10 * MINUTE);
  const expiresLocal = provider.expiresAtLocal()!;
  expect(expiresLocal).toBe(Date.parse(first.expiration) - 10 * MINUTE);
  advance(9 * MINUTE); // uncorrected, the device would think 16 minutes remain
  await provider.get();
  expect(calls()).toBe(1);
  advance(1 * MINUTE + 1);
  await provider.get();
  expect(calls()).toBe(2);
});

test('skew the other way: a device clock ahead does not refresh needlessly early', async () => {
  const { provider, calls, advance } = setup(-30 * MINUTE);
  await provider.get();
  advance(9 * MINUTE);
  await provider.get();
  expect(calls()).toBe(1);
});

test('a failed refresh is not kept: the next call tries again', async () => {
  let calls = 0;
  const provider = createCredentialProvider({
    now: () => 0,
    fetchCredentials: async () => {
      calls += 1;
      if (calls === 1) throw new Error('network');
      return answer(0, 15 * MINUTE, 'STS.ok');
    },
  });
  await expect(provider.get()).rejects.toThrow('network');
  await expect(provider.get()).resolves.toMatchObject({ accessKeyId: 'STS.ok' });
});

test('invalidate forces a refresh (after OSS refused the credentials)', async () => {
  const { provider, calls } = setup();
  await provider.get();
  provider.invalidate();
  await provider.get();
  expect(calls()).toBe(2);
});

test('answers without serverTime or expiration are refused', async () => {
  const provider = createCredentialProvider({ fetchCredentials: async () => ({ ...answer(0, 1, 'x'), serverTime: 'nope' }) });
  await expect(provider.get()).rejects.toThrow('serverTime');
});

test('a fetch that throws synchronously does not wedge the provider', async () => {
  let calls = 0;
  const provider = createCredentialProvider({
    now: () => 0,
    fetchCredentials: () => {
      calls += 1;
      if (calls === 1) throw new Error('synchronous failure');
      return Promise.resolve(answer(0, 15 * MINUTE, 'STS.after'));
    },
  });
  await expect(provider.get()).rejects.toThrow('synchronous failure');
  await expect(provider.get()).resolves.toMatchObject({ accessKeyId: 'STS.after' });
});

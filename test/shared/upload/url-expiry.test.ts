/**
 * URL lifetimes read from the URL itself (shared/upload/url-expiry.ts), for part URLs as sign-url signs them in
 * both schemes. The expected instants are worked out here from what was signed (the signing time and the lifetime),
 * never by reading the URL the way the code does.
 */
import type { SignatureVersion } from '../../../shared/config/variables';
import type { UploadRules } from '../../../shared/upload/rules';
import { signPartUrls } from '../../../shared/upload/signed-parts';
import { URL_RENEW_MARGIN_MS, partUrlsRenewAt, urlExpiresAtLocally, urlValidity } from '../../../shared/upload/url-expiry';
import { rulesOf } from '../../support/upload-rules';

const rules: UploadRules = rulesOf({
  bucket: 'bucket',
  region: 'cn-hangzhou',
  ossEndpoint: 'https://bucket.oss-cn-hangzhou.aliyuncs.com',
  prefix: 'users/alice/',
  allowedContentTypes: ['image/png'],
  maxBytes: 100 * 1024 * 1024,
  ttlSeconds: 300,
});
const credentials = { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'token', expiration: undefined };
/** Not on a whole second: V1's `Expires` is whole seconds, V4's `x-oss-date` too. */
const signedAt = Date.UTC(2026, 10, 28, 10, 20, 30, 750);
const wholeSecond = Date.UTC(2026, 10, 28, 10, 20, 30);

function partUrl(version: SignatureVersion, lifetimeSeconds: number): string {
  const { parts } = signPartUrls({
    rules,
    key: 'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png',
    uploadId: 'ID1',
    plan: { size: 100 * 1024 * 1024, partSize: 5 * 1024 * 1024 },
    partNumbers: [7],
    credentials,
    now: new Date(signedAt),
    lifetimeSeconds,
    version,
  });
  return parts[0]!.url;
}

describe.each([10, 40, 300, 3600])('a part URL valid %i s', (lifetime) => {
  test('V4: signed at x-oss-date, for x-oss-expires', () => {
    expect(urlValidity(partUrl('v4', lifetime))).toEqual({ signedAt: wholeSecond, expiresAt: wholeSecond + lifetime * 1000 });
  });

  test('V1: only the absolute Expires, no signing time', () => {
    expect(urlValidity(partUrl('v1', lifetime))).toEqual({ signedAt: undefined, expiresAt: wholeSecond + lifetime * 1000 });
  });

  test('on the device clock: V4 counts its lifetime from the request, whatever the clock says; V1 is the signer instant', () => {
    // A device whose clock is an hour behind asked for the URLs.
    const requestedAt = signedAt - 3_600_000 - 200;
    expect(urlExpiresAtLocally(partUrl('v4', lifetime), requestedAt)).toBe(requestedAt + lifetime * 1000);
    expect(urlExpiresAtLocally(partUrl('v1', lifetime), requestedAt)).toBe(wholeSecond + lifetime * 1000);
  });

  test('renewed a quarter of the lifetime (at most 30 s) before it expires, V1 and V4 alike', () => {
    const requestedAt = signedAt - 100;
    const margin = Math.min(30_000, (lifetime * 1000) / 4);
    const answer = (version: SignatureVersion): { parts: Array<{ url: string }>; expiresAt: string } => ({
      parts: [{ url: partUrl(version, lifetime) }],
      expiresAt: new Date(signedAt + lifetime * 1000).toISOString(),
    });
    expect(partUrlsRenewAt(answer('v4'), requestedAt)).toBe(requestedAt + lifetime * 1000 - margin);
    // V1: the signer's instant, on a device clock that agrees; its quarter is of the time left from the request.
    const v1Expiry = wholeSecond + lifetime * 1000;
    expect(partUrlsRenewAt(answer('v1'), requestedAt)).toBe(v1Expiry - Math.min(30_000, (v1Expiry - requestedAt) / 4));
    expect(partUrlsRenewAt(answer('v1'), requestedAt)).toBeLessThan(v1Expiry);
  });
});

test('a V1 URL with a lifetime under 45 s is renewed before it expires (the Uppy adapter once assumed 60 s)', () => {
  const url = partUrl('v1', 20);
  const renewAt = partUrlsRenewAt({ parts: [{ url }], expiresAt: new Date(signedAt + 20_000).toISOString() }, signedAt);
  expect(renewAt).toBeLessThan(wholeSecond + 20_000);
  expect(renewAt).toBe(wholeSecond + 20_000 - (wholeSecond + 20_000 - signedAt) / 4);
  expect(URL_RENEW_MARGIN_MS).toBe(30_000);
});

test('an answer without a readable URL falls back to its expiresAt', () => {
  const expiresAt = new Date(signedAt + 300_000).toISOString();
  expect(partUrlsRenewAt({ parts: [], expiresAt }, signedAt)).toBe(signedAt + 300_000 - 30_000);
  expect(partUrlsRenewAt({ parts: [{ url: 'https://bucket/key?partNumber=1' }], expiresAt }, signedAt)).toBe(signedAt + 270_000);
});

test.each([
  ['no query', 'https://bucket.oss-cn-hangzhou.aliyuncs.com/key'],
  ['not a URL', 'key?Expires=1'],
  ['V1 Expires not a number', 'https://b/k?Expires=soon'],
  ['V1 Expires negative', 'https://b/k?Expires=-5'],
  ['V1 Expires empty', 'https://b/k?Expires='],
  ['V4 without x-oss-date', 'https://b/k?x-oss-expires=300'],
  ['V4 without x-oss-expires', 'https://b/k?x-oss-date=20261128T102030Z'],
  ['V4 x-oss-expires not a number', 'https://b/k?x-oss-date=20261128T102030Z&x-oss-expires=3e2'],
  ['V4 x-oss-date in another form', 'https://b/k?x-oss-date=2026-11-28T10:20:30Z&x-oss-expires=300'],
  ['V4 x-oss-date not a day', 'https://b/k?x-oss-date=20260231T102030Z&x-oss-expires=300'],
  ['V4 x-oss-date past midnight', 'https://b/k?x-oss-date=20261128T242030Z&x-oss-expires=300'],
  // A V4 URL is read as V4 only: a stray Expires does not stand in for a broken x-oss-date.
  ['V4 fields broken beside an Expires', 'https://b/k?x-oss-date=x&x-oss-expires=300&Expires=1800000000'],
])('%s: no validity read (%s)', (_name, url) => {
  expect(urlValidity(url)).toBeUndefined();
  expect(urlExpiresAtLocally(url, signedAt)).toBeUndefined();
});

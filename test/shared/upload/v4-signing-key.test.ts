/** The V4 signing key, derived once per secret, day and region: the same signatures as OSS's specification and ali-oss. */
import signUtils from 'ali-oss/lib/common/signUtils';
import { createHmac } from 'node:crypto';
import { v4Timestamp } from '../../../shared/upload/signature-schemes';
import { MAX_CACHED_SIGNING_KEYS, cachedSigningKeyCount, v4SignatureOf, v4SigningKey } from '../../../shared/upload/v4-signing-key';

/** The specification's chain, written out here: HMAC(HMAC(HMAC(HMAC("aliyun_v4" + secret, day), region), "oss"), "aliyun_v4_request"). */
function specSigningKey(secret: string, day: string, region: string): Buffer {
  const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
  return hmac(hmac(hmac(hmac(`aliyun_v4${secret}`, day), region), 'oss'), 'aliyun_v4_request');
}

test('the signing key and signature are the specification chain and what ali-oss computes, cached or not', () => {
  const stringToSign = 'OSS4-HMAC-SHA256\n20231216T162057Z\n20231216/cn-hangzhou/oss/aliyun_v4_request\nabc';
  for (const [secret, day, region] of [
    ['sk', '20231216', 'cn-hangzhou'],
    ['sk', '20231217', 'cn-hangzhou'],
    ['sk', '20231216', 'cn-shanghai'],
    ['other-secret', '20231216', 'cn-hangzhou'],
  ] as const) {
    for (let round = 0; round < 2; round += 1) {
      expect(v4SigningKey(secret, day, region).equals(specSigningKey(secret, day, region))).toBe(true);
      expect(v4SignatureOf(secret, day, region, stringToSign)).toBe(signUtils.getSignatureV4(secret, day, region, stringToSign));
    }
  }
});

test('one key per secret, day and region, and no more than the bound', () => {
  const day = '20240101';
  const first = v4SigningKey('bound-secret-0', day, 'cn-hangzhou');
  expect(v4SigningKey('bound-secret-0', day, 'cn-hangzhou')).toBe(first); // the same Buffer: derived once
  expect(v4SigningKey('bound-secret-0', '20240102', 'cn-hangzhou')).not.toBe(first);
  // Parts cannot run into each other: region "cn-hangzho" with secret "ux" is not region "cn-hangzhou" with secret "x".
  expect(v4SigningKey('x', day, 'cn-hangzhou').equals(v4SigningKey('ux', day, 'cn-hangzho'))).toBe(false);
  for (let i = 0; i < 3 * MAX_CACHED_SIGNING_KEYS; i += 1) v4SigningKey(`bound-secret-${i}`, day, 'cn-hangzhou');
  expect(cachedSigningKeyCount()).toBe(MAX_CACHED_SIGNING_KEYS);
  // The oldest went first: the first key is derived afresh (equal bytes, a new Buffer).
  const again = v4SigningKey('bound-secret-0', day, 'cn-hangzhou');
  expect(again).not.toBe(first);
  expect(again.equals(first)).toBe(true);
});

test('the V4 timestamp is yyyymmddTHHMMSSZ in UTC, milliseconds dropped', () => {
  expect(v4Timestamp(new Date('2026-11-28T01:02:03.456Z'))).toBe('20261128T010203Z');
  expect(v4Timestamp(new Date('1999-12-31T23:59:59.999Z'))).toBe('19991231T235959Z');
  expect(v4Timestamp(new Date(Date.UTC(2030, 0, 5, 7, 8, 9)))).toBe('20300105T070809Z');
});

/** The flat qs.stringify bundled in place of qs agrees with qs itself on everything ali-oss signs with it. */
import qs from 'qs';
import { stringify } from '../../../shared/alicloud/vendor/qs-flat';
import { encodeRfc3986 } from '../../../shared/upload/signed-upload';

/** What ali-oss passes, and the specification's code-unit order that qs-flat sorts by instead. */
const aliOssOptions = { encoder: encodeRfc3986, sort: (a: string, b: string) => a.localeCompare(b), strictNullHandling: true };
const specOrder = { ...aliOssOptions, sort: (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0) };

test('for the x-oss-* keys sign-url signs, both orders agree, so the shim signs exactly what ali-oss would', () => {
  const query = {
    'x-oss-signature-version': 'OSS4-HMAC-SHA256',
    'x-oss-security-token': 't0kenvalue',
    'x-oss-expires': '300',
    'x-oss-date': '20261128T000000Z',
    'x-oss-credential': 'ak/20261128/cn-hangzhou/oss/aliyun_v4_request',
  };
  expect(stringify(query, aliOssOptions)).toBe(qs.stringify(query, aliOssOptions));
});

test.each([
  [{}],
  [
    {
      'x-oss-credential': 'ak/20261128/cn-hangzhou/oss/aliyun_v4_request',
      'x-oss-date': '20261128T000000Z',
      'x-oss-expires': '300',
      'x-oss-signature-version': 'OSS4-HMAC-SHA256',
    },
  ],
  [{ 'x-oss-security-token': 'CAIS+/=token', uploads: null, partNumber: 3, empty: '' }],
  [{ '+param1': 'value3', '|param1': 'value4', param1: 'value1', '+param2': null, 'ü key': 'ä value*' }],
])('%j', (query) => {
  expect(stringify(query, aliOssOptions)).toBe(qs.stringify(query, specOrder));
});

test('nested values are refused rather than signed differently', () => {
  expect(() => stringify({ a: { b: 'c' } }, aliOssOptions)).toThrow('only flat');
});

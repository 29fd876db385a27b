/** The flat qs.stringify bundled in place of qs agrees with qs itself on everything ali-oss signs with it. */
import qs from 'qs';
import { stringify } from '../../shared/vendor/qs-flat';
import { encodeRfc3986 } from '../../shared/oss-signing';

const options = { encoder: encodeRfc3986, sort: (a: string, b: string) => a.localeCompare(b), strictNullHandling: true };

test.each([
  [{}],
  [{ 'x-oss-credential': 'ak/20261128/cn-hangzhou/oss/aliyun_v4_request', 'x-oss-date': '20261128T000000Z', 'x-oss-expires': '300', 'x-oss-signature-version': 'OSS4-HMAC-SHA256' }],
  [{ 'x-oss-security-token': 'CAIS+/=token', uploads: null, partNumber: 3, empty: '' }],
  [{ '+param1': 'value3', '|param1': 'value4', param1: 'value1', '+param2': null, 'ü key': 'ä value*' }],
])('%j', (query) => {
  expect(stringify(query, options)).toBe(qs.stringify(query, options));
});

test('nested values are refused rather than signed differently', () => {
  expect(() => stringify({ a: { b: 'c' } }, options)).toThrow('only flat');
});

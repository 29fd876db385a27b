/** sign-url's multipart upload handle: recomputed from its definition, unchangeable without the key, keyed by a shared secret. */
import { isIssuedHandle, issueUploadHandle, parseUploadHandle, uploadHandleKey } from '../../../shared/upload/upload-handle';
import { handleFor } from '../../support/upload-handle';
import { TEST_JWT_SECRET } from '../../support/tokens';

const secretAuth = {
  kind: 'secret' as const,
  secret: new TextEncoder().encode(TEST_JWT_SECRET),
  issuer: undefined,
  audience: undefined,
  tokenType: undefined,
  maxTokenAgeSeconds: undefined,
};
const jwksAuth = { ...secretAuth, kind: 'jwks' as const, jwksUrl: new URL('https://idp.example.com/jwks') };
const noHashSecret = { segment: 'readable' as const, hashSecret: undefined };
const key = 'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png';
const ossUploadId = '0123456789ABCDEF0123456789ABCDEF';

test('issued as <OSS upload id>.<size>.<part size>.<mac>, the MAC as its definition gives it', () => {
  const macKey = uploadHandleKey({ auth: secretAuth, users: noHashSecret })!;
  const handle = issueUploadHandle({ macKey, key, ossUploadId, plan: { size: 12_582_919, partSize: 5_242_880 } });
  expect(handle).toBe(handleFor({ key, ossUploadId, size: 12_582_919, partSize: 5_242_880 }));
  const parsed = parseUploadHandle(handle)!;
  expect(parsed).toEqual({ ossUploadId, size: 12_582_919, partSize: 5_242_880, mac: handle.split('.')[3] });
  expect(isIssuedHandle(macKey, key, parsed)).toBe(true);
});

test('any change to the key, the upload id, the size or the part size, or another secret, is refused', () => {
  const macKey = uploadHandleKey({ auth: secretAuth, users: noHashSecret })!;
  const handle = parseUploadHandle(issueUploadHandle({ macKey, key, ossUploadId, plan: { size: 100, partSize: 5_242_880 } }))!;
  expect(isIssuedHandle(macKey, key.replace('AAA', 'AAB'), handle)).toBe(false);
  expect(isIssuedHandle(macKey, key, { ...handle, ossUploadId: ossUploadId.replace('0', '1') })).toBe(false);
  expect(isIssuedHandle(macKey, key, { ...handle, size: 101 })).toBe(false);
  expect(isIssuedHandle(macKey, key, { ...handle, partSize: 101 })).toBe(false);
  const other = uploadHandleKey({
    auth: secretAuth,
    users: { segment: 'readable', hashSecret: new TextEncoder().encode('x'.repeat(32)) },
  })!;
  expect(isIssuedHandle(other, key, handle)).toBe(false);
});

test.each([
  ['a bare OSS upload id', ossUploadId],
  ['a size of 0', `${ossUploadId}.0.5242880.AAAAAAAAAAAAAAAAAAAAAA`],
  ['a MAC of the wrong length', `${ossUploadId}.1.5242880.AAAA`],
  ['a query in the id', `${ossUploadId}&uploads.1.5242880.AAAAAAAAAAAAAAAAAAAAAA`],
  ['a number past 2^53', `${ossUploadId}.9999999999999999.5242880.AAAAAAAAAAAAAAAAAAAAAA`],
])('%s does not parse', (_name, uploadId) => {
  expect(parseUploadHandle(uploadId)).toBeUndefined();
});

test('the key comes from USER_HASH_SECRET, else the HS256 secret; a JWKS without USER_HASH_SECRET has none (multipart is refused)', () => {
  const hashSecret = new TextEncoder().encode('a-user-hash-secret-of-at-least-32-bytes');
  const fromHash = uploadHandleKey({ auth: jwksAuth, users: { segment: 'readable', hashSecret } });
  expect(fromHash).toEqual(uploadHandleKey({ auth: secretAuth, users: { segment: 'readable', hashSecret } }));
  expect(fromHash).not.toEqual(uploadHandleKey({ auth: secretAuth, users: noHashSecret }));
  expect(uploadHandleKey({ auth: jwksAuth, users: noHashSecret })).toBeUndefined();
});

import { normaliseEtag, unquoteEtag } from '../../../shared/upload/etag';
import { escapeXml } from '../../../shared/upload/xml-escape';

test.each([
  ['"5B3B8DB5F4E1C5F8E2C2E0C6F3A1B2C3"', '5B3B8DB5F4E1C5F8E2C2E0C6F3A1B2C3'],
  ['5b3b8db5f4e1c5f8e2c2e0c6f3a1b2c3', '5B3B8DB5F4E1C5F8E2C2E0C6F3A1B2C3'],
  [' "a1b2-3" ', 'A1B2-3'],
])('normaliseEtag(%j) is %j', (etag, expected) => {
  expect(normaliseEtag(etag)).toBe(expected);
});

test.each([
  ['"5b3b8db5f4e1c5f8e2c2e0c6f3a1b2c3"', '5b3b8db5f4e1c5f8e2c2e0c6f3a1b2c3'],
  ['"5B3B8DB5F4E1C5F8E2C2E0C6F3A1B2C3-3"', '5B3B8DB5F4E1C5F8E2C2E0C6F3A1B2C3-3'],
  ['A1B2', 'A1B2'],
])('unquoteEtag(%j) is %j: only the quotes go, the case stays', (etag, expected) => {
  expect(unquoteEtag(etag)).toBe(expected);
});

test('escapeXml escapes what would end or open markup, and leaves the rest', () => {
  expect(escapeXml('users/a&b/<x>.png')).toBe('users/a&amp;b/&lt;x&gt;.png');
  expect(escapeXml('&amp;')).toBe('&amp;amp;');
  expect(escapeXml('plain/key-1.png')).toBe('plain/key-1.png');
});

/** Keys in log lines: one line, readable, and read back to exactly one key. */
import { printableKey } from '../../../shared/edge/log';

test.each([
  ['users/alice/2026/11/cat.png', 'users/alice/2026/11/cat.png'],
  ['users/m/sts/x/../evil.png', 'users/m/sts/x/../evil.png'],
  ['users/m/a\u0001b\nc\u007f.png', 'users/m/a\\u{1}b\\u{a}c\\u{7f}.png'],
  ['users/m/\u2028\u202egnp.exe', 'users/m/\\u{2028}\\u{202e}gnp.exe'],
  ['users/m/back\\slash\\u{1}.png', 'users/m/back\\\\slash\\\\u{1}.png'],
  ['users/m/é中文😀.png', 'users/m/é中文😀.png'],
])('%j is logged as %s', (key, shown) => {
  expect(printableKey(key)).toBe(shown);
  // eslint-disable-next-line no-control-regex
  expect(printableKey(key)).not.toMatch(/[\u0000-\u001f\u2028\u2029]/);
});

test('the escape is injective: distinct keys never show alike', () => {
  const keys = ['a\u0001', 'a\\u{1}', 'a\\\u0001', 'a\\\\u{1}'];
  expect(new Set(keys.map(printableKey)).size).toBe(keys.length);
});

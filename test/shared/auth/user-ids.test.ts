/** User tags remembered per instance: the documented keyed HMAC, computed once per user, within a bound. */
import { createUserIds, MAX_REMEMBERED_TAGS } from '../../../shared/auth/user-ids';
import type { AuthConfig } from '../../../shared/config/sections';
import { TEST_JWT_SECRET } from '../../support/tokens';
import { expectedUserTag } from '../../support/user-ids';

const auth: AuthConfig = {
  kind: 'secret',
  secret: new TextEncoder().encode(TEST_JWT_SECRET),
  issuer: undefined,
  audience: undefined,
  tokenType: undefined,
  maxTokenAgeSeconds: undefined,
};

test('a returning user gets the same documented tag without another HMAC; past the bound the instance starts afresh, still right', () => {
  const ids = createUserIds({ segment: 'readable', hashSecret: undefined }, auth);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object user-ids.ts calls through
  const hmac = jest.spyOn(require('node:crypto') as typeof import('node:crypto'), 'createHmac');
  expect(ids.tagFor('alice')).toBe(expectedUserTag('alice'));
  const callsForAlice = hmac.mock.calls.length;
  expect(ids.tagFor('alice')).toBe(expectedUserTag('alice'));
  expect(ids.tagFor('alice')).toBe(expectedUserTag('alice'));
  expect(hmac.mock.calls.length).toBe(callsForAlice + 2); // only the two expectedUserTag calls of this test
  hmac.mockRestore();
  for (let i = 0; i < 2 * MAX_REMEMBERED_TAGS + 5; i += 1) expect(ids.tagFor(`user-${i}`)).toMatch(/^[0-9a-f]{16}$/);
  expect(ids.tagFor('user-7')).toBe(expectedUserTag('user-7'));
  expect(ids.tagFor('bob')).toBe(expectedUserTag('bob'));
});

/** Random key ids drawn from a pool: 128 bits each, never repeated, the pool refilled with fresh bytes. */
import { RANDOM_ID_BYTES, RANDOM_POOL_BYTES, randomObjectId } from '../../../shared/upload/random-id';

test('ids are 128 bits in base64url, and the bytes of one are never handed out again', () => {
  const perPool = RANDOM_POOL_BYTES / RANDOM_ID_BYTES;
  const ids = Array.from({ length: 5 * perPool + 7 }, () => randomObjectId());
  for (const id of ids) {
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(RANDOM_ID_BYTES);
  }
  expect(new Set(ids).size).toBe(ids.length);
});

test('the CSPRNG is asked once per pool, for a whole pool of fresh bytes', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, which random-id.ts calls through
  const fill = jest.spyOn(require('node:crypto') as typeof import('node:crypto'), 'randomFillSync');
  const perPool = RANDOM_POOL_BYTES / RANDOM_ID_BYTES;
  for (let i = 0; i < 3 * perPool; i += 1) randomObjectId();
  expect(fill.mock.calls.length).toBeGreaterThanOrEqual(2);
  expect(fill.mock.calls.length).toBeLessThanOrEqual(4);
  for (const [buffer] of fill.mock.calls) expect((buffer as Buffer).length).toBe(RANDOM_POOL_BYTES);
  fill.mockRestore();
});

test('ids are not biased: every base64url character shows up in a pool or two', () => {
  const seen = new Set(Array.from({ length: 512 }, () => randomObjectId()).join(''));
  expect(seen.size).toBe(64);
});

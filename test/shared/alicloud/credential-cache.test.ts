import { CredentialCache, minimumRemainingMs } from '../../../shared/alicloud/credential-cache';

interface Creds {
  id: number;
  expiration: Date;
}

function fakeClock(start = Date.parse('2026-11-28T00:00:00Z')): { now: () => Date; advance: (ms: number) => void } {
  let current = start;
  return { now: () => new Date(current), advance: (ms) => void (current += ms) };
}

describe('CredentialCache', () => {
  test('concurrent requests for one key share one call; keys do not share', async () => {
    const clock = fakeClock();
    const cache = new CredentialCache<Creds>({ maxEntries: 10, minRemainingMs: 600_000, clock: clock.now });
    let calls = 0;
    const fetch = async (): Promise<Creds> => {
      const id = ++calls;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { id, expiration: new Date(clock.now().getTime() + 900_000) };
    };
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => cache.get(`user-${i % 3}`, fetch)));
    expect(calls).toBe(3);
    expect(new Set(results.map((r) => r.id)).size).toBe(3);
    await cache.get('user-0', fetch);
    expect(calls).toBe(3);
  });

  test('an entry close to expiry is refreshed; an expired one is never served', async () => {
    const clock = fakeClock();
    const cache = new CredentialCache<Creds>({ maxEntries: 10, minRemainingMs: minimumRemainingMs(900), clock: clock.now });
    let calls = 0;
    const fetch = async (): Promise<Creds> => ({ id: ++calls, expiration: new Date(clock.now().getTime() + 900_000) });
    expect((await cache.get('k', fetch)).id).toBe(1);
    clock.advance(299_000);
    expect((await cache.get('k', fetch)).id).toBe(1);
    clock.advance(2_000); // 599 s remain: under two thirds of 900 s
    expect((await cache.get('k', fetch)).id).toBe(2);
    clock.advance(10 * 900_000);
    const served = await cache.get('k', fetch);
    expect(served.id).toBe(3);
    expect(served.expiration.getTime()).toBeGreaterThan(clock.now().getTime());
  });

  test('a failed call is not cached: the next request tries again', async () => {
    const clock = fakeClock();
    const cache = new CredentialCache<Creds>({ maxEntries: 10, minRemainingMs: 1000, clock: clock.now });
    let calls = 0;
    const failing = async (): Promise<Creds> => {
      calls += 1;
      throw new Error('down');
    };
    const results = await Promise.allSettled([cache.get('k', failing), cache.get('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    await expect(cache.get('k', async () => ({ id: 7, expiration: new Date(clock.now().getTime() + 60_000) }))).resolves.toMatchObject({
      id: 7,
    });
    expect(cache.size).toBe(1);
  });

  test('credentials already too short-lived when they arrive are served once but never kept', async () => {
    const clock = fakeClock();
    const cache = new CredentialCache<Creds>({ maxEntries: 10, minRemainingMs: 600_000, clock: clock.now });
    let calls = 0;
    const fetch = async (): Promise<Creds> => ({ id: ++calls, expiration: new Date(clock.now().getTime() + 300_000) });
    await cache.get('k', fetch);
    await cache.get('k', fetch);
    expect(calls).toBe(2);
    expect(cache.size).toBe(0);
  });

  test('bounded: the least recently used entry goes first', async () => {
    const clock = fakeClock();
    const cache = new CredentialCache<Creds>({ maxEntries: 2, minRemainingMs: 1000, clock: clock.now });
    let calls = 0;
    const fetch = async (): Promise<Creds> => ({ id: ++calls, expiration: new Date(clock.now().getTime() + 900_000) });
    await cache.get('a', fetch);
    await cache.get('b', fetch);
    await cache.get('a', fetch); // a is now the most recent
    await cache.get('c', fetch); // evicts b
    expect(cache.size).toBe(2);
    expect(calls).toBe(3);
    await cache.get('a', fetch);
    expect(calls).toBe(3);
    await cache.get('b', fetch);
    expect(calls).toBe(4);
  });
});

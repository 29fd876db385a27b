import { CredentialCache, minimumRemainingMs, tokenBoundFor } from '../../../shared/alicloud/credential-cache';
import { onLocalClock } from '../../../shared/alicloud/sts-client';

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

describe('credentials bounded by the caller token (tokenBoundFor)', () => {
  const now = new Date('2026-11-28T00:00:00Z');
  const at = (seconds: number): number => now.getTime() / 1000 + seconds;

  test.each([
    ['the default 900 s, token with 60 s left', 900, 60, 900, 900 + 30],
    ['the default 900 s, token with 2 h left', 900, 7200, 900, 900 + 30],
    ['3600 s configured, token with 20 min left: cut to the token', 3600, 1200, 1200, 1200 + 30],
    ['3600 s configured, token with 5 min left: STS minimum', 3600, 300, 900, 900 + 30],
    ['3600 s configured, token already in its clock tolerance', 3600, -10, 900, 900 + 30],
    ['3600 s configured, token with 2 h left: all of it', 3600, 7200, 3600, 3600 + 30],
    ['3600 s configured, a finite but absurd exp (1e300)', 3600, 1e300, 3600, 3600 + 30],
  ])('%s → DurationSeconds %3$i, expiring no later than %4$i s from now', (_name, configured, tokenLeft, duration, notAfter) => {
    const { durationSeconds, bound } = tokenBoundFor(at(tokenLeft), now, configured);
    expect(durationSeconds).toBe(duration);
    expect(bound.notAfter.getTime() - now.getTime()).toBe(notAfter * 1000);
    expect(bound.minRemainingMs).toBe(minimumRemainingMs(duration));
  });

  test('credentials cached for a long-lived token are not served to a token that expires sooner', async () => {
    const clock = fakeClock(now.getTime());
    const cache = new CredentialCache<Creds>({ maxEntries: 10, minRemainingMs: minimumRemainingMs(3600), clock: clock.now });
    const asked: number[] = [];
    const fetchFor = (duration: number) => async (): Promise<Creds> => {
      asked.push(duration);
      return { id: asked.length, expiration: new Date(clock.now().getTime() + duration * 1000) };
    };
    const get = (tokenLeft: number): Promise<Creds> => {
      const { durationSeconds, bound } = tokenBoundFor(clock.now().getTime() / 1000 + tokenLeft, clock.now(), 3600);
      return cache.get('alice', fetchFor(durationSeconds), bound);
    };
    expect((await get(7200)).id).toBe(1); // 3600 s credentials
    expect((await get(7000)).id).toBe(1); // another long-lived token: served from the cache
    const short = await get(300); // 5 minutes left: the cached hour is too long for it
    expect(short.id).toBe(2);
    expect(short.expiration.getTime()).toBe(clock.now().getTime() + 900_000);
    expect((await get(240)).id).toBe(2); // the next short token shares the short credentials
    expect((await get(7200)).id).toBe(3); // and a long-lived token does not get them (900 s < two thirds of 3600 s)
    expect(asked).toEqual([3600, 900, 3600]);
  });

  test('a short-lived request joining an in-flight call for a longer one makes one call of its own, shared by its peers', async () => {
    const clock = fakeClock(now.getTime());
    const cache = new CredentialCache<Creds>({ maxEntries: 10, minRemainingMs: minimumRemainingMs(3600), clock: clock.now });
    const asked: number[] = [];
    const fetchFor = (duration: number) => async (): Promise<Creds> => {
      asked.push(duration);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { id: asked.length, expiration: new Date(clock.now().getTime() + duration * 1000) };
    };
    const get = (tokenLeft: number): Promise<Creds> => {
      const { durationSeconds, bound } = tokenBoundFor(clock.now().getTime() / 1000 + tokenLeft, clock.now(), 3600);
      return cache.get('alice', fetchFor(durationSeconds), bound);
    };
    const results = await Promise.all([get(7200), ...Array.from({ length: 10 }, () => get(300)), get(7200)]);
    expect(asked).toEqual([3600, 900]);
    expect(results.map((r) => r.id)).toEqual([1, ...Array<number>(10).fill(2), 1]);
    for (const served of results.slice(1, 11)) expect(served.expiration.getTime()).toBeLessThanOrEqual(clock.now().getTime() + 930_000);
  });

  test('keyed by lifetime class, alternating a long-lived and a short-lived token makes two calls, not one per request', async () => {
    const clock = fakeClock(now.getTime());
    const cache = new CredentialCache<Creds>({ maxEntries: 10, minRemainingMs: minimumRemainingMs(3600), clock: clock.now });
    const asked: number[] = [];
    const get = (tokenLeft: number): Promise<Creds> => {
      const { durationSeconds, bound, lifetimeClass } = tokenBoundFor(clock.now().getTime() / 1000 + tokenLeft, clock.now(), 3600);
      return cache.get(
        `alice ${lifetimeClass}`,
        async () => {
          asked.push(durationSeconds);
          return { id: asked.length, expiration: new Date(clock.now().getTime() + durationSeconds * 1000) };
        },
        bound,
      );
    };
    const ids: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      ids.push((await get(i % 2 === 0 ? 7200 : 300)).id);
      clock.advance(10_000);
    }
    expect(ids).toEqual([1, 2, 1, 2, 1, 2, 1, 2, 1, 2]);
    expect(asked).toEqual([3600, 900]);
  });

  test.each([
    ['the configured duration', 3600, 7200, 'duration 3600'],
    ["STS's minimum", 3600, 300, 'duration 900'],
    ['the default 900 s, whatever the token', 900, 7200, 'duration 900'],
    ['in between: the token itself', 3600, 2000, `until ${now.getTime() / 1000 + 2000}`],
  ])('lifetime class decided by %s', (_name, configured, tokenLeft, lifetimeClass) => {
    expect(tokenBoundFor(at(tokenLeft), now, configured).lifetimeClass).toBe(lifetimeClass);
  });
});

describe("STS's expiration on our clock (onLocalClock)", () => {
  const expiration = Date.parse('2026-11-28T10:15:00Z');
  test.each([
    ['STS 10 min ahead', 'Sat, 28 Nov 2026 10:00:00 GMT', Date.parse('2026-11-28T09:50:00.200Z')],
    ['STS 10 min behind', 'Sat, 28 Nov 2026 10:00:00 GMT', Date.parse('2026-11-28T10:10:00.200Z')],
    ['clocks agreeing', 'Sat, 28 Nov 2026 10:00:00 GMT', Date.parse('2026-11-28T10:00:00.200Z')],
  ])('%s: the 900 s STS granted, counted from receipt (less the second Date cannot tell)', (_name, date, receivedAt) => {
    expect(onLocalClock(expiration, { date }, receivedAt).getTime()).toBe(receivedAt + 899_000);
  });
  test('no usable Date: the expiration as STS wrote it', () => {
    expect(onLocalClock(expiration, {}, 0).getTime()).toBe(expiration);
    expect(onLocalClock(expiration, { date: 'yesterday' }, 0).getTime()).toBe(expiration);
  });
});

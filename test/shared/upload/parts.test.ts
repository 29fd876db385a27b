/** The part plan and the issued-key shape: pure rules shared by the server and the browser clients. */
import { isIssuedKey, objectKeyFor } from '../../../shared/upload/keys';
import { MAX_PART_COUNT, MIN_PART_SIZE, maxPartNumber, partNumbersFrom, partPlan, partRange } from '../../../shared/upload/parts';
import { randomObjectId } from '../../../shared/upload/random-id';

const MIB = 1024 * 1024;

test.each([
  [1, 5 * MIB, 1],
  [5 * MIB, 5 * MIB, 1],
  [5 * MIB + 1, 5 * MIB, 2],
  [30_000_000, 5 * MIB, 6],
  [50 * MIB, 5 * MIB, 10],
  [1000 * MIB, 5 * MIB, 200],
  [1000 * MIB + 1, 6 * MIB, 167],
  [5 * 1024 ** 3, 26 * MIB, 197],
])('%i bytes → parts of %i bytes, %i parts', (size, partSize, partCount) => {
  expect(partPlan(size)).toEqual({ partSize, partCount });
});

test('every plan: 5 MiB or more per part, whole MiB, at most 200 parts, and the parts cover the file exactly', () => {
  for (let size = 1; size <= 5 * 1024 ** 3; size = Math.ceil(size * 1.37) + 7) {
    const plan = partPlan(size);
    expect(plan.partSize).toBeGreaterThanOrEqual(MIN_PART_SIZE);
    expect(plan.partSize % MIB).toBe(0);
    expect(plan.partCount).toBeLessThanOrEqual(MAX_PART_COUNT);
    expect(plan.partCount).toBeLessThanOrEqual(maxPartNumber(Math.max(size, 1)));
    const last = partRange(plan, size, plan.partCount);
    expect([last.end, last.end - last.start > 0, last.end - last.start <= plan.partSize]).toEqual([size, true, true]);
    if (plan.partCount > 1)
      expect(partRange(plan, size, plan.partCount - 1).end - partRange(plan, size, plan.partCount - 1).start).toBe(plan.partSize);
  }
});

test('maxPartNumber: the most parts any upload under the limit can have', () => {
  expect([maxPartNumber(1), maxPartNumber(100 * MIB), maxPartNumber(100 * MIB + 1), maxPartNumber(5 * 1024 ** 3)]).toEqual([
    1, 20, 21, 200,
  ]);
});

test("partNumbersFrom: one answer's worth of part numbers from the first, never none", () => {
  expect(partNumbersFrom(1, 3)).toEqual([1, 2, 3]);
  expect(partNumbersFrom(3, 3)).toEqual([3]);
  expect(partNumbersFrom(5, 3)).toEqual([5]);
  const many = partNumbersFrom(50, 200);
  expect([many.length, many[0], many.at(-1)]).toEqual([100, 50, 149]);
  expect(partNumbersFrom(150, 200)).toEqual(Array.from({ length: 51 }, (_, index) => 150 + index));
});

describe('isIssuedKey', () => {
  test('every key objectKeyFor gives passes, under its own prefix only', () => {
    for (const filename of ['a.png', 'noext', 'x.TOOLONGEXTENSIONXX', 'archive.tar.gz', '.hidden']) {
      const key = objectKeyFor('users/alice/', filename, new Date(), randomObjectId());
      expect(isIssuedKey('users/alice/', key)).toBe(true);
      expect(isIssuedKey('users/alic/', key)).toBe(false);
      expect(isIssuedKey('users/bob/', key)).toBe(false);
    }
  });

  test.each([
    'users/alice/x.png',
    'users/alice/sts/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png',
    'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png/extra',
    'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAA.png',
    'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.PNG',
    'users/alice/2026/11/../AAAAAAAAAAAAAAAAAAA.png',
    'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png\n',
    'users/alice/',
  ])('%j is not an issued key of users/alice/', (key) => {
    expect(isIssuedKey('users/alice/', key)).toBe(false);
  });
});

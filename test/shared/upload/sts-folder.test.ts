/** The STS folder: where STS credentials write, and why no key sign-url issues is ever in it. */
import fc from 'fast-check';
import { objectKeyFor } from '../../../shared/upload/keys';
import { isInStsFolder, STS_FOLDER, stsUploadPrefix } from '../../../shared/upload/sts-folder';

test('the STS folder is `sts/` right inside the user prefix', () => {
  expect(STS_FOLDER).toBe('sts/');
  expect(stsUploadPrefix('users/alice/')).toBe('users/alice/sts/');
  expect(isInStsFolder('users/alice/', 'users/alice/sts/2026/11/x.png')).toBe(true);
  expect(isInStsFolder('users/alice/', 'users/alice/2026/11/x.png')).toBe(false);
  expect(isInStsFolder('users/alice/', 'users/alice/sts')).toBe(false);
  expect(isInStsFolder('users/alice/', 'users/bob/sts/x.png')).toBe(false);
});

test('no key sign-url issues is in the STS folder, for any date, filename, random id or prefix', () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
  fc.assert(
    fc.property(
      segment,
      fc.date({ min: new Date(Date.UTC(0, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
      fc.string({ maxLength: 40 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      (user, date, filename, randomId) => {
        const prefix = `users/${user}/`;
        expect(isInStsFolder(prefix, objectKeyFor(prefix, filename, date, randomId))).toBe(false);
      },
    ),
    { numRuns: 2000 },
  );
  // A user whose own segment is `sts` is no exception: the folder is inside the prefix, not after the bucket root.
  expect(isInStsFolder('users/sts/', objectKeyFor('users/sts/', 'a.png', new Date(), 'x'.repeat(22)))).toBe(false);
});

/** Sizes in messages: the binary units limits are written in, never a size just over a limit that reads as the limit. */
import { formatBytes } from '../../../shared/upload/byte-size';

test.each([
  [0, '0 B'],
  [1023, '1023 B'],
  [1024, '1 KiB'],
  [1536, '1.5 KiB'],
  [16 * 1024, '16 KiB'],
  [600 * 1024, '600 KiB'],
  [5 * 1024 * 1024, '5 MiB'],
  [30_000_000, '28.6 MiB'],
  [104_857_600, '100 MiB'],
  [104_857_601, '100.0 MiB'],
  [105_906_176, '101 MiB'],
  [2 * 1024 ** 3 - 1, '2.0 GiB'],
  [1.5 * 1024 ** 3, '1.5 GiB'],
  [5 * 1024 ** 3, '5 GiB'],
])('%i bytes → %s', (bytes, text) => {
  expect(formatBytes(bytes)).toBe(text);
});

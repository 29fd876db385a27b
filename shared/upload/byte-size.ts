/**
 * Byte counts in messages, in the binary units the limits are written in (`MAX_UPLOAD_BYTES` 104857600 is 100 MiB).
 * Dependency-free, so `web/` imports this file: the functions' messages and the browser client's say sizes alike.
 */

const UNITS = [
  ['GiB', 1024 ** 3],
  ['MiB', 1024 ** 2],
  ['KiB', 1024],
] as const;

/**
 * `100 MiB`, `1.5 GiB`, `600 KiB`, `512 B`: a whole number of a unit prints whole; anything else keeps a decimal
 * (`28.6 MiB`, `100.0 MiB` for a byte over 100 MiB), so a size just over a limit never reads as the limit itself.
 */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of UNITS) {
    if (bytes < size) continue;
    const value = bytes / size;
    if (Number.isInteger(value)) return `${value} ${unit}`;
    return `${value.toFixed(value < 10 ? 2 : 1).replace(/(\.\d)0$/, '$1')} ${unit}`;
  }
  return `${bytes} B`;
}

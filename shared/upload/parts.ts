/**
 * The part plan of a multipart upload: one rule, used by `sign-url` to answer MULTIPART and by the browser
 * clients (ours and the Uppy adapter) to cut the file the same way. Dependency-free, so `web/` imports this file.
 */

const MIB = 1024 * 1024;
/** OSS allows parts from 100 KB; 5 MiB suits browsers (few requests, cheap retries) and is Uppy's minimum too. */
export const MIN_PART_SIZE = 5 * MIB;
/** At most this many parts, so that a COMPLETE naming every part fits in the function's 16 KiB request body. */
export const MAX_PART_COUNT = 200;
/** Part URLs per answer (MULTIPART or PARTS). */
export const MAX_PART_URLS_PER_ANSWER = 100;

export interface PartPlan {
  /** Every part but the last is exactly this many bytes. */
  partSize: number;
  partCount: number;
}

/** 5 MiB parts; for files over 1000 MiB, `size / 200` rounded up to a whole MiB (so at most 200 parts). */
export function partPlan(size: number): PartPlan {
  const partSize = Math.max(MIN_PART_SIZE, Math.ceil(Math.ceil(size / MAX_PART_COUNT) / MIB) * MIB);
  return { partSize, partCount: Math.max(1, Math.ceil(size / partSize)) };
}

/** The bytes `[start, end)` of part `partNumber` (from 1) of a file of `size` bytes. */
export function partRange(plan: PartPlan, size: number, partNumber: number): { start: number; end: number } {
  const start = (partNumber - 1) * plan.partSize;
  return { start, end: Math.min(size, start + plan.partSize) };
}

/**
 * The part numbers to ask URLs for from `first` on: `first` and the ones after it up to `last`, at most one answer's
 * worth (`MAX_PART_URLS_PER_ANSWER`). Always at least `first`, even past `last`.
 */
export function partNumbersFrom(first: number, last: number): number[] {
  const count = Math.max(1, Math.min(MAX_PART_URLS_PER_ANSWER, last - first + 1));
  return Array.from({ length: count }, (_, index) => first + index);
}

/** The highest part number any upload of at most `maxBytes` can have under this rule. */
export function maxPartNumber(maxBytes: number): number {
  return Math.min(MAX_PART_COUNT, Math.ceil(maxBytes / MIN_PART_SIZE));
}

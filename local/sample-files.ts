/**
 * Files that are what they claim to be, of any size, for the smoke test, the bench and the tests: upload-completed
 * sniffs what lands, so random bytes named `.png` are (rightly) removed. Each carries random bytes, so no two are
 * alike: a PNG keeps them in an ancillary `rnDm` chunk after a real header, a PDF after its header line.
 */
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';

const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');

/** A valid 1×1 PNG of exactly `size` bytes (at least 80). */
export function samplePng(size = 1024): Buffer<ArrayBuffer> {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0);
  header.writeUInt32BE(1, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const image = Buffer.concat([pngChunk('IDAT', deflateSync(Buffer.alloc(5))), pngChunk('IEND', Buffer.alloc(0))]);
  const fixed = PNG_SIGNATURE.length + 25 + 12 + image.length;
  if (size < fixed) throw new Error(`a sample PNG has at least ${fixed} bytes`);
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', header), pngChunk('rnDm', randomBytes(size - fixed)), image]);
}

/** A file that starts as a PDF does (`%PDF-1.7`), of exactly `size` bytes. */
export function samplePdf(size = 1024): Buffer<ArrayBuffer> {
  const header = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  return Buffer.concat([header, randomBytes(Math.max(0, size - header.length))]);
}

/** A JPEG's first bytes (SOI, JFIF APP0), padded to `size`. */
export function sampleJpeg(size = 1024): Buffer<ArrayBuffer> {
  const header = Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex');
  return Buffer.concat([header, randomBytes(Math.max(0, size - header.length))]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** An MP4 (ISO base media: an `ftyp` box of brand mp42, then an `mdat` box of random bytes), of exactly `size` bytes. */
export function sampleMp4(size = 1024): Buffer<ArrayBuffer> {
  const ftyp = Buffer.concat([
    Buffer.from('00000018', 'hex'),
    Buffer.from('ftypmp42', 'latin1'),
    Buffer.alloc(4),
    Buffer.from('mp42isom', 'latin1'),
  ]);
  const mdatLength = Math.max(8, size - ftyp.length);
  const mdatHeader = Buffer.alloc(8);
  mdatHeader.writeUInt32BE(mdatLength);
  mdatHeader.write('mdat', 4, 'latin1');
  return Buffer.concat([ftyp, mdatHeader, randomBytes(mdatLength - 8)]);
}

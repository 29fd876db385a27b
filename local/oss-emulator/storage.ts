/**
 * Where objects and in-progress multipart uploads live. Memory is the working copy; with a folder, every change
 * is also written through to disk, each record as ONE file (a JSON line, then the raw bytes) written to a temp
 * file and renamed into place, so a crash or restart never sees half a record. On start the folder is read back.
 *
 *   <dir>/objects/<sha256(key)>.obj        object: {"key",…}\n<body>
 *   <dir>/uploads/<uploadId>/upload.json   multipart upload: {"key","contentType",…}
 *   <dir>/uploads/<uploadId>/<n>.part      one part: {"etag",…}\n<body>
 *   <dir>/tmp/                             half-written files, removed on start
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StorageClass } from './storage-class';

export interface StoredObject {
  key: string;
  body: Buffer;
  contentType: string;
  /** Quoted, as OSS sends it: `"<MD5 hex upper>"` or `"<…>-<parts>"` for multipart objects. */
  etag: string;
  lastModified: Date;
  type: 'Normal' | 'Multipart';
  storageClass: StorageClass;
  /** Headers stored with the object and returned on GET/HEAD (`x-oss-meta-*`, `cache-control`, …), lower-case. */
  headers: Record<string, string>;
}

export interface StoredPart {
  partNumber: number;
  body: Buffer;
  etag: string;
  lastModified: Date;
}

export interface StoredUpload {
  uploadId: string;
  key: string;
  initiated: Date;
  contentType: string;
  storageClass: StorageClass;
  headers: Record<string, string>;
  forbidOverwrite: boolean;
  parts: Map<number, StoredPart>;
}

const UPLOAD_ID = /^[0-9A-F]{32}$/;

export function isUploadId(value: string): boolean {
  return UPLOAD_ID.test(value);
}

export function newUploadId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

interface ObjectRecord {
  key: string;
  contentType: string;
  etag: string;
  lastModified: string;
  type: 'Normal' | 'Multipart';
  /** Absent in folders written before storage classes were modelled: Standard. */
  storageClass?: StorageClass;
  headers: Record<string, string>;
}

interface UploadRecord {
  uploadId: string;
  key: string;
  initiated: string;
  contentType: string;
  storageClass?: StorageClass;
  headers: Record<string, string>;
  forbidOverwrite: boolean;
}

interface PartRecord {
  partNumber: number;
  etag: string;
  lastModified: string;
}

/** A JSON header line then the bytes: JSON.stringify never emits a raw newline, so the first `\n` ends it. */
function encodeRecord(meta: unknown, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${JSON.stringify(meta)}\n`, 'utf8'), body]);
}

function decodeRecord<T>(file: Buffer): { meta: T; body: Buffer } {
  const newline = file.indexOf(0x0a);
  if (newline < 0) throw new Error('record without a header line');
  return { meta: JSON.parse(file.subarray(0, newline).toString('utf8')) as T, body: file.subarray(newline + 1) };
}

export class ObjectStorage {
  private readonly objects = new Map<string, StoredObject>();
  private readonly uploads = new Map<string, StoredUpload>();
  private readonly dir: string | undefined;

  constructor(dir?: string) {
    this.dir = dir;
    if (dir !== undefined) this.load(dir);
  }

  getObject(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }

  hasObject(key: string): boolean {
    return this.objects.has(key);
  }

  /** Keys in byte order, as OSS lists them. */
  keys(): string[] {
    return [...this.objects.keys()].sort(compareKeys);
  }

  putObject(object: StoredObject): void {
    if (this.dir !== undefined) {
      const record: ObjectRecord = {
        key: object.key,
        contentType: object.contentType,
        etag: object.etag,
        lastModified: object.lastModified.toISOString(),
        type: object.type,
        storageClass: object.storageClass,
        headers: object.headers,
      };
      this.writeAtomically(this.objectPath(object.key), encodeRecord(record, object.body));
    }
    this.objects.set(object.key, object);
  }

  deleteObject(key: string): boolean {
    if (this.dir !== undefined) rmSync(this.objectPath(key), { force: true });
    return this.objects.delete(key);
  }

  getUpload(uploadId: string): StoredUpload | undefined {
    return this.uploads.get(uploadId);
  }

  listUploads(): StoredUpload[] {
    return [...this.uploads.values()].sort((a, b) => compareKeys(a.key, b.key) || compareKeys(a.uploadId, b.uploadId));
  }

  createUpload(upload: Omit<StoredUpload, 'parts'>): StoredUpload {
    const stored: StoredUpload = { ...upload, parts: new Map() };
    if (this.dir !== undefined) {
      const record: UploadRecord = {
        uploadId: upload.uploadId,
        key: upload.key,
        initiated: upload.initiated.toISOString(),
        contentType: upload.contentType,
        storageClass: upload.storageClass,
        headers: upload.headers,
        forbidOverwrite: upload.forbidOverwrite,
      };
      mkdirSync(this.uploadDir(upload.uploadId), { recursive: true });
      this.writeAtomically(join(this.uploadDir(upload.uploadId), 'upload.json'), Buffer.from(JSON.stringify(record), 'utf8'));
    }
    this.uploads.set(upload.uploadId, stored);
    return stored;
  }

  putPart(uploadId: string, part: StoredPart): void {
    const upload = this.uploads.get(uploadId);
    if (upload === undefined) throw new Error(`no upload ${uploadId}`);
    if (this.dir !== undefined) {
      const record: PartRecord = { partNumber: part.partNumber, etag: part.etag, lastModified: part.lastModified.toISOString() };
      this.writeAtomically(join(this.uploadDir(uploadId), `${part.partNumber}.part`), encodeRecord(record, part.body));
    }
    upload.parts.set(part.partNumber, part);
  }

  deleteUpload(uploadId: string): void {
    if (this.dir !== undefined && isUploadId(uploadId)) rmSync(this.uploadDir(uploadId), { recursive: true, force: true });
    this.uploads.delete(uploadId);
  }

  private objectPath(key: string): string {
    return join(this.requireDir(), 'objects', `${createHash('sha256').update(key, 'utf8').digest('hex')}.obj`);
  }

  private uploadDir(uploadId: string): string {
    if (!isUploadId(uploadId)) throw new Error('invalid upload id');
    return join(this.requireDir(), 'uploads', uploadId);
  }

  private requireDir(): string {
    if (this.dir === undefined) throw new Error('no storage folder');
    return this.dir;
  }

  private writeAtomically(path: string, content: Buffer): void {
    const temp = join(this.requireDir(), 'tmp', `${randomBytes(8).toString('hex')}.tmp`);
    writeFileSync(temp, content);
    renameSync(temp, path);
  }

  private load(dir: string): void {
    rmSync(join(dir, 'tmp'), { recursive: true, force: true });
    for (const sub of ['objects', 'uploads', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });

    for (const name of readdirSync(join(dir, 'objects'))) {
      if (!name.endsWith('.obj')) continue;
      const { meta, body } = decodeRecord<ObjectRecord>(readFileSync(join(dir, 'objects', name)));
      this.objects.set(meta.key, {
        key: meta.key,
        body,
        contentType: meta.contentType,
        etag: meta.etag,
        lastModified: new Date(meta.lastModified),
        type: meta.type,
        storageClass: meta.storageClass ?? 'Standard',
        headers: meta.headers,
      });
    }

    for (const uploadId of readdirSync(join(dir, 'uploads'))) {
      const folder = join(dir, 'uploads', uploadId);
      // A folder without its upload.json was never fully created: forget it.
      if (!isUploadId(uploadId) || !existsSync(join(folder, 'upload.json'))) {
        rmSync(folder, { recursive: true, force: true });
        continue;
      }
      const record = JSON.parse(readFileSync(join(folder, 'upload.json'), 'utf8')) as UploadRecord;
      const upload: StoredUpload = {
        uploadId: record.uploadId,
        key: record.key,
        initiated: new Date(record.initiated),
        contentType: record.contentType,
        storageClass: record.storageClass ?? 'Standard',
        headers: record.headers,
        forbidOverwrite: record.forbidOverwrite,
        parts: new Map(),
      };
      for (const name of readdirSync(folder)) {
        if (!name.endsWith('.part')) continue;
        const { meta, body } = decodeRecord<PartRecord>(readFileSync(join(folder, name)));
        upload.parts.set(meta.partNumber, {
          partNumber: meta.partNumber,
          body,
          etag: meta.etag,
          lastModified: new Date(meta.lastModified),
        });
      }
      this.uploads.set(uploadId, upload);
    }
  }
}

/** Byte order of the UTF-8 encodings, which is how OSS sorts keys (JS string order differs above U+FFFF). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

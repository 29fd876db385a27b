/**
 * A local OSS for one bucket: a real HTTP server on loopback that verifies V1/V4 signatures (header and URL),
 * PostObject policies, STS tokens and RAM permissions from the specification (docs/oss-facts.md), so that the tests and
 * the dev server exercise our signing code against an independent verifier. It imports nothing from `shared/`
 * or `functions/`, and no SDK signing code: only node built-ins.
 *
 *   const oss = await startOssEmulator({ bucket: 'demo', region: 'cn-hangzhou', credentials: staticAccounts([...]) });
 *   // oss.url === 'http://127.0.0.1:<port>'; path style `${oss.url}/demo/<key>` or custom-domain style `${oss.url}/<key>`
 */
import type { CredentialResolver } from '../emulator-accounts';
import type { CorsRule } from './cors';
import type { ObjectCreatedNotification } from './notifications';
import { BucketSettings } from './bucket-settings';
import { OverwriteProtection } from './overwrite-config';
import { type OssRequestLog, OssHttpServer } from './server';
import { ObjectStorage } from './storage';
import type { StorageClass } from './storage-class';
import { md5Etag } from './context';

export type { CorsRule } from './cors';
export type { OssRequestLog } from './server';
export type { ObjectCreatedNotification } from './notifications';
export { OssError } from './errors';
// The verifier's pure pieces, for tests that replay official vectors and for debugging a signer.
export type { SignableRequest } from './canonical';
export { authenticateRequest, MAX_CLOCK_SKEW_MS, type Authentication, type SignedClaim } from './auth';
export { v1CanonicalResource, v1Sign, v1StringToSign } from './auth-v1';
export { v4CanonicalQuery, v4CanonicalRequest, v4CanonicalUri, v4Scope, v4Sign, v4SigningKey, v4StringToSign } from './auth-v4';
export { authenticatePost, checkPostPolicy, decodePostPolicy, type PostPolicy } from './post-policy';
export { md5Etag, MAX_OBJECT_BYTES } from './context';
export { MAX_COPY_BYTES } from './copy';
export { STORAGE_CLASSES, type StorageClass } from './storage-class';
export { multipartEtag, MIN_PART_BYTES } from './multipart';

export interface OssEmulatorOptions {
  /** The one bucket it serves. */
  bucket: string;
  /** Bare region id, e.g. `cn-hangzhou` (the V4 credential scope must name it). */
  region: string;
  credentials: CredentialResolver;
  corsRules?: CorsRule[] | undefined;
  /**
   * The bucket's overwrite configuration at start, as the PutBucketOverwriteConfig XML (the body OSS takes and
   * `npm run policies` prints); `PUT /?overwriteConfig` changes it later. Default: none.
   */
  overwriteConfiguration?: string | undefined;
  /** When set, objects and in-progress multipart uploads persist in this folder and survive restarts. */
  storageDir?: string | undefined;
  /** Injectable clock for expiry and skew tests. */
  now?: (() => Date) | undefined;
  /**
   * When a signed URL's expiry, the credentials and a form policy are judged: `start` (default), as the request
   * arrives, as OSS does; `end`, once the whole body is in, to show a client copes with a stricter server.
   */
  checksAt?: 'start' | 'end' | undefined;
  /** Default 127.0.0.1 (loopback only). */
  host?: string | undefined;
  /** Default 0: any free port. */
  port?: number | undefined;
  /**
   * Also refuse PostObject forms carrying a field that no policy condition mentions (AWS's rule). OSS itself does
   * not enforce this; turn it on in tests to prove a signer pins every field it hands out. Default false.
   */
  strictPostPolicy?: boolean | undefined;
  /** Called once per request, with nothing secret in it (no query string, no headers, no form fields). */
  log?: ((entry: OssRequestLog) => void) | undefined;
  /**
   * Called after PutObject, PostObject, CompleteMultipartUpload and CopyObject with the ObjectCreated event OSS
   * sends to an FC trigger (after the client has its answer), as OSS event notifications do.
   */
  onObjectCreated?: ((notification: ObjectCreatedNotification) => void) | undefined;
  /** Write keys URL-encoded in notifications. Default false. */
  encodeEventKeys?: boolean | undefined;
  /** The bucket owner's account id in notifications. Default 1000000000000001. */
  accountId?: string | undefined;
}

export interface EmulatedObject {
  body: Buffer;
  contentType: string;
  /** Quoted, as OSS sends it. */
  etag: string;
  storageClass: StorageClass;
  /** Other stored headers (`x-oss-meta-*`, `cache-control`, …), lower-case names. */
  headers: Readonly<Record<string, string>>;
}

export interface EmulatedUpload {
  uploadId: string;
  key: string;
  partNumbers: number[];
}

export interface RunningOssEmulator {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  port: number;
  bucket: string;
  region: string;
  close(): Promise<void>;
  getObject(key: string): EmulatedObject | undefined;
  /** Every key, in the byte order OSS lists them. */
  listKeys(): string[];
  /** In-progress multipart uploads. */
  listUploads(): EmulatedUpload[];
  /**
   * Stores an object as its owner's PutObject would, without a request, a signature or an event: for objects no test
   * should send over HTTP (over CopyObject's 1 GB, say, as a lazily zeroed `Buffer.alloc`). The ETag is the body's
   * MD5 unless given.
   */
  seedObject(object: {
    key: string;
    body: Buffer;
    contentType: string;
    storageClass?: StorageClass;
    etag?: string;
    /** When it was written (`Last-Modified`); now when left out. */
    lastModified?: Date;
  }): void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startOssEmulator(options: OssEmulatorOptions): Promise<RunningOssEmulator> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`The OSS emulator listens on loopback only, not ${host}.`);
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(options.bucket)) throw new Error(`Invalid bucket name: ${options.bucket}`);
  if (options.region.startsWith('oss-')) throw new Error(`region is the bare id (cn-hangzhou), not ${options.region}`);

  const storage = new ObjectStorage(options.storageDir);
  const overwriteProtection = new OverwriteProtection(options.overwriteConfiguration);
  const server = new OssHttpServer({
    overwriteProtection,
    bucket: options.bucket,
    region: options.region,
    credentials: options.credentials,
    bucketSettings: new BucketSettings(options.corsRules),
    storage,
    now: options.now ?? (() => new Date()),
    checksAt: options.checksAt ?? 'start',
    strictPostPolicy: options.strictPostPolicy ?? false,
    log: options.log,
    onObjectCreated: options.onObjectCreated,
    encodeEventKeys: options.encodeEventKeys ?? false,
    accountId: options.accountId ?? '1000000000000001',
  });
  const address = await server.listen(host, options.port ?? 0);
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    bucket: options.bucket,
    region: options.region,
    close: () => server.close(),
    getObject(key) {
      const object = storage.getObject(key);
      if (object === undefined) return undefined;
      return {
        body: Buffer.from(object.body),
        contentType: object.contentType,
        etag: object.etag,
        storageClass: object.storageClass,
        headers: { ...object.headers },
      };
    },
    listKeys: () => storage.keys(),
    listUploads: () =>
      storage.listUploads().map((upload) => ({
        uploadId: upload.uploadId,
        key: upload.key,
        partNumbers: [...upload.parts.keys()].sort((a, b) => a - b),
      })),
    seedObject(object) {
      storage.putObject({
        key: object.key,
        body: object.body,
        contentType: object.contentType,
        etag: object.etag ?? md5Etag(object.body),
        lastModified: object.lastModified ?? new Date(),
        type: 'Normal',
        storageClass: object.storageClass ?? 'Standard',
        headers: {},
      });
    },
  };
}

/**
 * `sign-url` for Uppy: the `signRequest` options of `@uppy/aws-s3` 6 (its current major), so a team that uses
 * Uppy adds direct-to-OSS uploads in a few lines:
 *
 *   import Uppy from '@uppy/core';
 *   import AwsS3 from '@uppy/aws-s3';
 *   import { signUrlForUppy } from './uppy.js';
 *   const uppy = new Uppy();
 *   uppy.use(AwsS3, signUrlForUppy(uppy, { endpoint: SIGN_URL_FUNCTION_URL, getToken }));
 *
 * Single files go up with a signed PUT (or a POST form with `single: 'post'`); files above `multipartThreshold`
 * in parts. Uppy 6 sends every S3 call of a multipart upload from the browser; here the function starts, lists,
 * completes and aborts the upload itself (so it can refuse parts over the limit), and Uppy is handed the answer
 * OSS would have given as a `data:` URL, which its request then reads. Only part PUTs go to OSS. A page with a
 * Content-Security-Policy must allow `connect-src data:` for that.
 *
 * Every resume of a multipart upload (Retry after a failure, resume after a pause, Golden Retriever after a reload)
 * starts with Uppy listing the parts: the adapter then forgets the part URLs it had, so none signed before the
 * failure (by a signer since restarted, with a key since revoked) is handed out again. Golden Retriever keeps file data
 * for reloads only up to 10 MiB unless told otherwise: `uppy.use(GoldenRetriever, goldenRetrieverOptions())`.
 *
 * A file counts as uploaded only once upload-completed accepted it: from each file's last byte the adapter asks
 * sign-url for the verdict (web/verdict.ts), and an Uppy post-processor holds the upload's result until every verdict
 * is in; a file that was rejected (removed) is marked failed with the reason in words (`waitForVerdict: false` skips
 * this).
 */
import type { SignedParts, VerdictAccepted } from '../shared/contract.js';
import { unquoteEtag } from '../shared/upload/etag.js';
import { partNumbersFrom, partPlan } from '../shared/upload/parts.js';
import { partUrlsRenewAt } from '../shared/upload/url-expiry.js';
import { escapeXml } from '../shared/upload/xml-escape.js';
import { awaitVerdict, callFunction, DEFAULT_MULTIPART_THRESHOLD, UploadError } from './upload-client.js';

/** What `@uppy/aws-s3` hands `signRequest` (its `PresignableRequest`, which the package does not export). */
export interface UppyS3Request {
  method: 'PUT' | 'POST' | 'GET' | 'DELETE';
  key: string;
  uploadId?: string;
  partNumber?: number;
  contentType?: string;
}

/** What `signRequest` answers (`PresignedResponse`). */
export interface UppyPresigned {
  url: string;
  key?: string;
  headers?: Record<string, string>;
  fields?: Record<string, string>;
}

/** A file as the adapter hands it back to Uppy's events. */
interface UppyFileRef {
  id: string;
}

/**
 * The few things of an Uppy instance the adapter uses: the files, by id and by their multipart upload; and, to hold
 * each file's success until its verdict, the success event, a post-processor and the events that report on it.
 */
export interface UppyFiles {
  getFile(id: string): ({ name?: string; type?: string; size: number | null; meta?: Record<string, unknown> } & UppyFileRef) | undefined;
  getFiles(): Array<{ id: string; size: number | null; s3Multipart?: { uploadId: string; key: string } | undefined }>;
  on(event: 'upload-success', handler: (file: UppyFileRef | undefined, response: { body?: unknown }) => void): unknown;
  addPostProcessor(processor: (fileIDs: string[]) => Promise<void>): void;
  emit(event: 'postprocess-progress', file: UppyFileRef, progress: { mode: 'indeterminate'; message: string }): void;
  emit(event: 'postprocess-complete', file: UppyFileRef): void;
  emit(event: 'upload-error', file: UppyFileRef, error: Error): void;
}

export interface SignUrlForUppyOptions {
  /** The sign-url function URL. */
  endpoint: string;
  /** Your app's JWT for the signed-in user. */
  getToken: () => string | Promise<string>;
  /** How files up to the threshold go: one signed `PUT` (default) or a `POST` form (OSS enforces the size limit). */
  single?: 'put' | 'post';
  /** Files larger than this go in parts. Default 10 MiB, as the browser client's `auto` mode. */
  multipartThreshold?: number;
  /**
   * The upload profile of each file (docs/upload-profiles.md): one name for every file, or one chosen per file (from
   * its `meta`, say: `(file) => file.meta.profile`); left out or undefined, the server's `default`.
   */
  profile?: string | ((file: { name: string; type: string; size: number; meta: Record<string, unknown> }) => string | undefined);
  /** Hold each file's success until upload-completed accepted it; a rejected file fails with the reason. Default true. */
  waitForVerdict?: boolean;
  /** How long to wait for a verdict before the file fails with `VerdictTimeout`, in ms. Default 30 s. */
  verdictTimeoutMs?: number;
}

/** The options to pass to `uppy.use(AwsS3, …)`. */
export interface SignUrlUppyPluginOptions {
  signRequest(request: UppyS3Request): Promise<UppyPresigned>;
  shouldUseMultipart(file: { size: number | null }): boolean;
  /** The server's part size, so Uppy cuts the file exactly as sign-url numbers the parts. */
  getChunkSize(file: { size: number }): number;
  /** Uppy's proposal of a key is only a handle here (the file id): sign-url picks the real key. */
  generateObjectKey(file: { id: string }): string;
}

interface KnownUpload {
  partCount: number;
  urls: Map<number, string>;
  renewAt: number;
}

const xml = (body: string): UppyPresigned => ({ url: `data:application/xml;charset=utf-8,${encodeURIComponent(body)}` });

export function signUrlForUppy(uppy: UppyFiles, options: SignUrlForUppyOptions): SignUrlUppyPluginOptions {
  const threshold = options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD;
  const uploads = new Map<string, KnownUpload>();
  if (options.waitForVerdict !== false) holdUntilJudged(uppy, options);

  const fileOf = (id: string): { name: string; type: string; size: number; profile: { profile?: string } } => {
    const file = uppy.getFile(id);
    if (file === undefined || file.size === null) throw new Error(`sign-url adapter: no file ${id} with a size in Uppy`);
    const described = { name: file.name ?? 'file', type: file.type || 'application/octet-stream', size: file.size, meta: file.meta ?? {} };
    const profile = typeof options.profile === 'function' ? options.profile(described) : options.profile;
    return { name: described.name, type: described.type, size: described.size, profile: profile === undefined ? {} : { profile } };
  };
  const sizeOfUpload = (uploadId: string): number | undefined =>
    uppy.getFiles().find((file) => file.s3Multipart?.uploadId === uploadId)?.size ?? undefined;

  /** Part URLs an answer brought, renewed before they expire: their lifetime is read from the URLs, V1 and V4 alike. */
  const remember = (
    uploadId: string,
    known: Omit<KnownUpload, 'renewAt' | 'urls'>,
    answer: Pick<SignedParts, 'parts' | 'expiresAt'>,
    requestedAt: number,
  ): KnownUpload => {
    const entry = uploads.get(uploadId) ?? { ...known, urls: new Map<number, string>(), renewAt: 0 };
    for (const part of answer.parts) entry.urls.set(part.partNumber, part.url);
    entry.renewAt = partUrlsRenewAt(answer, requestedAt);
    uploads.set(uploadId, entry);
    return entry;
  };

  const partUrl = async (key: string, uploadId: string, partNumber: number): Promise<string> => {
    const known = uploads.get(uploadId);
    const url = known?.urls.get(partNumber);
    if (known !== undefined && url !== undefined && Date.now() < known.renewAt) return url;
    const size = sizeOfUpload(uploadId);
    const partCount = known?.partCount ?? (size === undefined ? partNumber : partPlan(size).partCount);
    const requestedAt = Date.now();
    const answer = await callFunction(options, { method: 'PARTS', key, uploadId, partNumbers: partNumbersFrom(partNumber, partCount) });
    const fresh = remember(uploadId, { partCount }, answer, requestedAt).urls.get(partNumber);
    if (fresh === undefined) throw new Error(`sign-url adapter: sign-url answered no URL for part ${partNumber}`);
    return fresh;
  };

  return {
    shouldUseMultipart: (file) => (file.size ?? 0) > threshold,
    getChunkSize: (file) => partPlan(file.size).partSize,
    generateObjectKey: (file) => file.id,

    async signRequest(request) {
      const { method, key, uploadId, partNumber } = request;
      if (uploadId === undefined) {
        if (method === 'PUT') {
          const file = fileOf(key);
          const body = { filename: file.name, contentType: request.contentType ?? file.type, size: file.size, ...file.profile };
          if (options.single === 'post') {
            const signed = await callFunction(options, { ...body, method: 'POST' });
            return { url: signed.url, key: signed.key, fields: signed.fields };
          }
          const signed = await callFunction(options, { ...body, method: 'PUT' });
          return { url: signed.url, key: signed.key, headers: signed.headers };
        }
        if (method === 'POST') {
          const file = fileOf(key);
          const requestedAt = Date.now();
          const started = await callFunction(options, {
            method: 'MULTIPART',
            filename: file.name,
            contentType: file.type,
            size: file.size,
            ...file.profile,
          });
          if (started.partSize !== partPlan(file.size).partSize)
            throw new Error('sign-url adapter: the server cut the file into other parts than Uppy');
          remember(started.uploadId, { partCount: started.partCount }, started, requestedAt);
          return {
            ...xml(
              `<InitiateMultipartUploadResult><Bucket>${escapeXml(started.bucket)}</Bucket><Key>${escapeXml(started.key)}</Key>` +
                `<UploadId>${escapeXml(started.uploadId)}</UploadId></InitiateMultipartUploadResult>`,
            ),
            key: started.key,
          };
        }
        throw new Error(`sign-url adapter: ${method} of an object is not something uploads need`);
      }

      switch (method) {
        case 'PUT':
          return { url: await partUrl(key, uploadId, partNumber ?? 0) };
        case 'GET': {
          // Resuming (Retry, resume, Golden Retriever): what OSS holds, so Uppy sends only the rest, with fresh URLs.
          uploads.delete(uploadId);
          const { uploaded } = await callFunction(options, { method: 'PARTS', key, uploadId, partNumbers: [] });
          // ETags as OSS gave them, without quotes (`unquoteEtag`): what Uppy makes of a part PUT's own ETag header.
          const parts = uploaded.map(
            (part) =>
              `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${escapeXml(unquoteEtag(part.etag))}</ETag><Size>${part.size}</Size></Part>`,
          );
          return xml(`<ListPartsResult>${parts.join('')}</ListPartsResult>`);
        }
        case 'POST': {
          // Uppy completes after every part succeeded: complete with what OSS holds, checked against the file's size.
          const listed = await callFunction(options, { method: 'PARTS', key, uploadId, partNumbers: [1] });
          const size = sizeOfUpload(uploadId);
          const completed = await callFunction(options, {
            method: 'COMPLETE',
            key,
            uploadId,
            parts: listed.uploaded.map(({ partNumber, etag }) => ({ partNumber, etag })),
            ...(size === undefined ? {} : { size }),
          });
          // The part URL without its query is the object's URL.
          const location = (listed.parts[0]?.url ?? '').split('?')[0] ?? '';
          uploads.delete(uploadId);
          return xml(
            `<CompleteMultipartUploadResult><Location>${escapeXml(location)}</Location><Bucket>${escapeXml(completed.bucket)}</Bucket>` +
              `<Key>${escapeXml(completed.key)}</Key><ETag>${escapeXml(unquoteEtag(completed.etag))}</ETag></CompleteMultipartUploadResult>`,
          );
        }
        case 'DELETE':
          await callFunction(options, { method: 'ABORT', key, uploadId });
          uploads.delete(uploadId);
          return xml('');
      }
    },
  };
}

/**
 * From each file's last byte (Uppy's `upload-success`), its verdict is asked; the post-processor, which Uppy runs once
 * every file of the upload is sent, waits for them: an accepted file completes, any other fails with the reason in words.
 */
function holdUntilJudged(uppy: UppyFiles, options: SignUrlForUppyOptions): void {
  const verdicts = new Map<string, Promise<VerdictAccepted>>();
  uppy.on('upload-success', (file, response) => {
    const key = (response.body as { key?: unknown } | undefined)?.key;
    if (file === undefined || typeof key !== 'string') return;
    const verdict = awaitVerdict(key, {
      endpoint: options.endpoint,
      getToken: options.getToken,
      ...(options.verdictTimeoutMs === undefined ? {} : { verdictTimeoutMs: options.verdictTimeoutMs }),
    });
    verdict.catch(() => undefined); // handled by the post-processor
    verdicts.set(file.id, verdict);
  });
  uppy.addPostProcessor(async (fileIDs) => {
    await Promise.all(
      fileIDs.map(async (id) => {
        const verdict = verdicts.get(id);
        const file = uppy.getFile(id);
        if (verdict === undefined || file === undefined) return;
        verdicts.delete(id);
        uppy.emit('postprocess-progress', file, { mode: 'indeterminate', message: 'Checking the file…' });
        try {
          await verdict;
          uppy.emit('postprocess-complete', file);
        } catch (error) {
          uppy.emit('upload-error', file, error instanceof UploadError ? error : new Error('The check of the uploaded file failed.'));
        }
      }),
    );
  });
}

/** Golden Retriever's options that keep the data of files up to `maxFileBytes` for a reload (its default: 10 MiB). */
export interface GoldenRetrieverStoreOptions {
  indexedDB: { name?: string; maxFileSize: number; maxTotalSize: number };
}

/**
 * Options for `uppy.use(GoldenRetriever, goldenRetrieverOptions())`: its IndexedDB store keeps the data of files up
 * to `maxFileBytes` (default 100 MiB, the default `MAX_UPLOAD_BYTES`), `maxTotalBytes` in all (default 300 MiB, its
 * own), so that a multipart upload (above 10 MiB here) comes back after a reload with its data and goes on from the
 * parts OSS holds, rather than as a placeholder to pick again. `@uppy/golden-retriever` 6 hands `indexedDB` to that
 * store as it is (its types name only `name` and `version`).
 */
export function goldenRetrieverOptions(options: { maxFileBytes?: number; maxTotalBytes?: number } = {}): GoldenRetrieverStoreOptions {
  return {
    indexedDB: { maxFileSize: options.maxFileBytes ?? 100 * 1024 * 1024, maxTotalSize: options.maxTotalBytes ?? 300 * 1024 * 1024 },
  };
}

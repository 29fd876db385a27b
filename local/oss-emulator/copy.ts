/**
 * CopyObject within the one bucket: `PUT /<key>` with `x-oss-copy-source: /<bucket>/<url-encoded key>`, the
 * `x-oss-copy-source-if-match` precondition, `x-oss-metadata-directive` COPY or REPLACE, forbid-overwrite (the header and
 * the bucket's overwrite configuration). OSS
 * needs oss:GetObject on the source besides oss:PutObject on the target; the other copy preconditions are refused.
 */
import { type OperationContext, type Reply, checkKey, fileAlreadyExists, normaliseEtag, storedHeaders, xmlReply } from './context';
import { OssError, invalidArgument } from './errors';
import type { OssRequest } from './request';
import { checkReadable, requestedStorageClass } from './storage-class';

/** CopyObject copies objects of up to 1 GB (OSS: "objects up to 1 GB are supported"; larger need UploadPartCopy). */
export const MAX_COPY_BYTES = 1024 ** 3;

const UNSUPPORTED_COPY_HEADERS = [
  'x-oss-copy-source-if-none-match',
  'x-oss-copy-source-if-unmodified-since',
  'x-oss-copy-source-if-modified-since',
  'x-oss-copy-source-range',
  'x-oss-copy-source-version-id',
];

/** The source key of a copy in this bucket, from `/<bucket>/<url-encoded key>`. */
export function copySourceKey(request: OssRequest): string {
  const header = request.headers['x-oss-copy-source'] ?? '';
  const match = /^\/?([^/]+)\/(.+)$/.exec(header);
  if (match === null) throw invalidArgument('x-oss-copy-source must be /<bucket>/<url-encoded key>.');
  if (match[1] !== request.bucket) throw new OssError(501, 'NotImplemented', 'Copying from another bucket is not emulated.');
  let key: string;
  try {
    key = decodeURIComponent(match[2]!);
  } catch {
    throw invalidArgument('x-oss-copy-source is not valid percent-encoding.');
  }
  checkKey(key);
  return key;
}

export function copyObject({ request, storage, now, overwriteProtection, principal }: OperationContext): Reply {
  const unsupported = UNSUPPORTED_COPY_HEADERS.find((name) => request.headers[name] !== undefined);
  if (unsupported !== undefined) throw new OssError(501, 'NotImplemented', `${unsupported} is not emulated.`);
  const sourceKey = copySourceKey(request);
  checkKey(request.key);
  const source = storage.getObject(sourceKey);
  if (source === undefined) throw new OssError(404, 'NoSuchKey', 'The specified key does not exist.', { Key: sourceKey });
  checkReadable(source.storageClass);
  if (source.body.length > MAX_COPY_BYTES) {
    // OSS documents the limit, not the code it answers with: EntityTooLarge is the emulator's choice.
    throw new OssError(400, 'EntityTooLarge', 'CopyObject copies objects of up to 1 GB: use UploadPartCopy for larger ones.', {
      MaxSizeAllowed: String(MAX_COPY_BYTES),
      ProposedSize: String(source.body.length),
    });
  }
  const ifMatch = request.headers['x-oss-copy-source-if-match'];
  if (ifMatch !== undefined && normaliseEtag(ifMatch) !== normaliseEtag(source.etag)) {
    throw new OssError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.', {
      Condition: 'x-oss-copy-source-if-match',
    });
  }
  const directive = (request.headers['x-oss-metadata-directive'] ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') throw invalidArgument('x-oss-metadata-directive must be COPY or REPLACE.');
  // The bucket's overwrite configuration binds every write, a copy's included, as the request's own header does.
  const forbidOverwrite = overwriteProtection.forbidsOverwrite(request.key, request.headers['x-oss-forbid-overwrite'], principal);
  if (forbidOverwrite && storage.hasObject(request.key)) throw fileAlreadyExists();
  const replace = directive === 'REPLACE';
  storage.putObject({
    key: request.key,
    body: Buffer.from(source.body),
    contentType: replace ? (request.headers['content-type'] ?? 'application/octet-stream') : source.contentType,
    etag: source.etag,
    lastModified: now,
    type: source.type,
    // The source's class unless the copy asks for another (OSS's rule for x-oss-storage-class on CopyObject).
    storageClass:
      request.headers['x-oss-storage-class'] === undefined
        ? source.storageClass
        : requestedStorageClass(request.headers['x-oss-storage-class']),
    headers: replace ? storedHeaders(request.headers) : { ...source.headers },
  });
  return xmlReply('CopyObjectResult', { ETag: source.etag, LastModified: now.toISOString() }, { ETag: source.etag });
}

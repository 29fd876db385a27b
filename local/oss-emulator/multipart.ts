/**
 * Multipart uploads: initiate, upload part, complete (with OSS's checks: ascending order, matching ETags, every
 * part but the last at least 100 KB), abort, list parts, list uploads.
 */
import { createHash } from 'node:crypto';
import { firstQueryValue } from './canonical';
import {
  MAX_OBJECT_BYTES,
  type OperationContext,
  type Reply,
  checkContentMd5,
  checkKey,
  entityTooLarge,
  fileAlreadyExists,
  md5Etag,
  normaliseEtag,
  queryInteger,
  storedHeaders,
  xmlReply,
} from './context';
import { OssError, invalidArgument } from './errors';
import { encodingOf } from './listing';
import { type StoredObject, compareKeys, isUploadId, newUploadId } from './storage';
import { requestedStorageClass } from './storage-class';
import { parseCompleteMultipartUpload } from './xml';

/** Every part but the last of a multipart upload must be at least this big. */
export const MIN_PART_BYTES = 100 * 1024;
const MAX_PART_NUMBER = 10000;

/** OSS's multipart ETag: MD5 of the concatenated binary part MD5s, upper-case hex, `-<number of parts>`. */
export function multipartEtag(partEtags: readonly string[]): string {
  const digests = partEtags.map((etag) => Buffer.from(etag.replace(/"/g, ''), 'hex'));
  return `"${createHash('md5').update(Buffer.concat(digests)).digest('hex').toUpperCase()}-${partEtags.length}"`;
}

function noSuchUpload(uploadId: string): OssError {
  return new OssError(
    404,
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    {
      UploadId: uploadId,
    },
  );
}

function findUpload(context: OperationContext) {
  const uploadId = firstQueryValue(context.request.query, 'uploadId') ?? '';
  const upload = isUploadId(uploadId) ? context.storage.getUpload(uploadId) : undefined;
  if (upload === undefined || upload.key !== context.request.key) throw noSuchUpload(uploadId);
  return upload;
}

export function initiateMultipartUpload({ request, storage, now, overwriteProtection, principal }: OperationContext): Reply {
  checkKey(request.key);
  const forbidOverwrite = overwriteProtection.forbidsOverwrite(request.key, request.headers['x-oss-forbid-overwrite'], principal);
  if (forbidOverwrite && storage.hasObject(request.key)) throw fileAlreadyExists();
  const upload = storage.createUpload({
    uploadId: newUploadId(),
    key: request.key,
    initiated: now,
    contentType: request.headers['content-type'] ?? 'application/octet-stream',
    storageClass: requestedStorageClass(request.headers['x-oss-storage-class']),
    headers: storedHeaders(request.headers),
    forbidOverwrite,
  });
  return xmlReply('InitiateMultipartUploadResult', { Bucket: request.bucket, Key: request.key, UploadId: upload.uploadId });
}

function partNumberOf(raw: string | undefined): number {
  if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PART_NUMBER) {
    throw invalidArgument(`Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive.`, {
      ArgumentName: 'partNumber',
      ArgumentValue: raw ?? '',
    });
  }
  return Number(raw);
}

export function uploadPart(context: OperationContext): Reply {
  const { request, body, storage, now } = context;
  const partNumber = partNumberOf(firstQueryValue(request.query, 'partNumber'));
  const upload = findUpload(context);
  if (body.length > MAX_OBJECT_BYTES) throw entityTooLarge();
  checkContentMd5(request.headers['content-md5'], body);
  const etag = md5Etag(body);
  storage.putPart(upload.uploadId, { partNumber, body, etag, lastModified: now });
  return { status: 200, headers: { ETag: etag, 'Content-MD5': createHash('md5').update(body).digest('base64') } };
}

export function completeMultipartUpload(context: OperationContext): Reply {
  const { request, body, storage, now } = context;
  const upload = findUpload(context);
  const completeAll = request.headers['x-oss-complete-all']?.toLowerCase() === 'yes';
  if (completeAll && body.length > 0) throw invalidArgument('With x-oss-complete-all: yes the request body must be empty.');
  const requested = completeAll
    ? [...upload.parts.values()]
        .sort((a, b) => a.partNumber - b.partNumber)
        .map((part) => ({ partNumber: part.partNumber, etag: part.etag }))
    : parseCompleteMultipartUpload(body.toString('utf8'));
  if (requested.length === 0) throw invalidArgument('A multipart upload needs at least one part.');

  for (let i = 1; i < requested.length; i += 1) {
    if ((requested[i]?.partNumber ?? 0) <= (requested[i - 1]?.partNumber ?? 0)) {
      throw new OssError(
        400,
        'InvalidPartOrder',
        'The list of parts was not in ascending order. Parts list must be specified in order by part number.',
      );
    }
  }
  const parts = requested.map(({ partNumber, etag }) => {
    const part = upload.parts.get(partNumber);
    if (part === undefined || normaliseEtag(part.etag) !== normaliseEtag(etag)) {
      throw new OssError(
        400,
        'InvalidPart',
        "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
        {
          PartNumber: String(partNumber),
          ETag: etag,
        },
      );
    }
    return part;
  });
  parts.slice(0, -1).forEach((part) => {
    if (part.body.length < MIN_PART_BYTES) {
      throw new OssError(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.', {
        PartNumber: String(part.partNumber),
        MinSizeAllowed: String(MIN_PART_BYTES),
        ProposedSize: String(part.body.length),
      });
    }
  });

  const forbidOverwrite =
    upload.forbidOverwrite ||
    context.overwriteProtection.forbidsOverwrite(upload.key, request.headers['x-oss-forbid-overwrite'], context.principal);
  if (forbidOverwrite && storage.hasObject(upload.key)) throw fileAlreadyExists();
  const object: StoredObject = {
    key: upload.key,
    body: Buffer.concat(parts.map((part) => part.body)),
    contentType: upload.contentType,
    etag: multipartEtag(parts.map((part) => part.etag)),
    lastModified: now,
    type: 'Multipart',
    storageClass: upload.storageClass,
    headers: upload.headers,
  };
  storage.putObject(object);
  storage.deleteUpload(upload.uploadId);
  return xmlReply(
    'CompleteMultipartUploadResult',
    {
      Location: context.objectUrl(upload.key),
      Bucket: request.bucket,
      Key: upload.key,
      ETag: object.etag,
    },
    { ETag: object.etag },
  );
}

export function abortMultipartUpload(context: OperationContext): Reply {
  const upload = findUpload(context);
  context.storage.deleteUpload(upload.uploadId);
  return { status: 204, headers: {} };
}

export function listParts(context: OperationContext): Reply {
  const { request } = context;
  const upload = findUpload(context);
  const maxParts = queryInteger(request, 'max-parts', 1000, 1000);
  if (maxParts < 1)
    throw invalidArgument('max-parts must be an integer from 1 to 1000.', { ArgumentName: 'max-parts', ArgumentValue: String(maxParts) });
  const marker = queryInteger(request, 'part-number-marker', 0, MAX_PART_NUMBER);
  const all = [...upload.parts.values()].filter((part) => part.partNumber > marker).sort((a, b) => a.partNumber - b.partNumber);
  const shown = all.slice(0, maxParts);
  const truncated = all.length > shown.length;
  return xmlReply('ListPartsResult', {
    Bucket: request.bucket,
    Key: upload.key,
    UploadId: upload.uploadId,
    StorageClass: upload.storageClass,
    PartNumberMarker: marker,
    NextPartNumberMarker: shown[shown.length - 1]?.partNumber ?? marker,
    MaxParts: maxParts,
    IsTruncated: truncated,
    Part: shown.map((part) => ({
      PartNumber: part.partNumber,
      LastModified: part.lastModified.toISOString(),
      ETag: part.etag,
      Size: part.body.length,
    })),
  });
}

export function listMultipartUploads({ request, storage }: OperationContext): Reply {
  const prefix = firstQueryValue(request.query, 'prefix') ?? '';
  const keyMarker = firstQueryValue(request.query, 'key-marker') ?? '';
  const uploadIdMarker = firstQueryValue(request.query, 'upload-id-marker') ?? '';
  const maxUploads = queryInteger(request, 'max-uploads', 1000, 1000);
  const after = storage
    .listUploads()
    .filter((upload) => upload.key.startsWith(prefix))
    .filter((upload) => {
      const byKey = compareKeys(upload.key, keyMarker);
      return byKey > 0 || (byKey === 0 && uploadIdMarker !== '' && upload.uploadId > uploadIdMarker);
    });
  const shown = after.slice(0, maxUploads);
  const last = shown[shown.length - 1];
  const encode = encodingOf(request);
  return xmlReply('ListMultipartUploadsResult', {
    Bucket: request.bucket,
    EncodingType: firstQueryValue(request.query, 'encoding-type') || undefined,
    KeyMarker: encode(keyMarker),
    UploadIdMarker: uploadIdMarker,
    NextKeyMarker: encode(last?.key ?? ''),
    NextUploadIdMarker: last?.uploadId ?? '',
    Delimiter: '',
    Prefix: encode(prefix),
    MaxUploads: maxUploads,
    IsTruncated: after.length > shown.length,
    Upload: shown.map((upload) => ({
      Key: encode(upload.key),
      UploadId: upload.uploadId,
      StorageClass: upload.storageClass,
      Initiated: upload.initiated.toISOString(),
    })),
  });
}

/** Single objects: PutObject (and the storing half of PostObject), GetObject, HeadObject, DeleteObject. */
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
  storedHeaders,
} from './context';
import { OssError } from './errors';
import type { OssRequest } from './request';
import type { ObjectStorage, StoredObject } from './storage';
import { checkReadable, requestedStorageClass, type StorageClass } from './storage-class';

export interface NewObject {
  key: string;
  body: Buffer;
  contentType: string;
  storageClass: StorageClass;
  headers: Record<string, string>;
  forbidOverwrite: boolean;
}

/** The common end of PutObject and PostObject. */
export function storeSimpleObject(storage: ObjectStorage, object: NewObject, now: Date): StoredObject {
  checkKey(object.key);
  if (object.body.length > MAX_OBJECT_BYTES) throw entityTooLarge();
  if (object.forbidOverwrite && storage.hasObject(object.key)) throw fileAlreadyExists();
  const stored: StoredObject = {
    key: object.key,
    body: object.body,
    contentType: object.contentType,
    etag: md5Etag(object.body),
    lastModified: now,
    type: 'Normal',
    storageClass: object.storageClass,
    headers: object.headers,
  };
  storage.putObject(stored);
  return stored;
}

export function putObject({ request, body, storage, now, overwriteProtection, principal }: OperationContext): Reply {
  if (request.headers['x-oss-copy-source'] !== undefined) throw new OssError(501, 'NotImplemented', 'CopyObject is not emulated.');
  checkContentMd5(request.headers['content-md5'], body);
  const stored = storeSimpleObject(
    storage,
    {
      key: request.key,
      body,
      contentType: request.headers['content-type'] ?? 'application/octet-stream',
      storageClass: requestedStorageClass(request.headers['x-oss-storage-class']),
      headers: storedHeaders(request.headers),
      forbidOverwrite: overwriteProtection.forbidsOverwrite(request.key, request.headers['x-oss-forbid-overwrite'], principal),
    },
    now,
  );
  return { status: 200, headers: { ETag: stored.etag, 'Content-MD5': createHash('md5').update(body).digest('base64') } };
}

function objectHeaders(object: StoredObject, request: OssRequest): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': object.contentType,
    ETag: object.etag,
    'Last-Modified': object.lastModified.toUTCString(),
    'Accept-Ranges': 'bytes',
    'x-oss-object-type': object.type,
    'x-oss-storage-class': object.storageClass,
  };
  // The ACL is not a header of the object: OSS answers it only to GetObjectAcl.
  for (const [name, value] of Object.entries(object.headers)) if (name !== 'x-oss-object-acl') headers[name] = value;
  // `response-*` parameters of a signed GET override the stored headers.
  for (const name of ['content-type', 'content-language', 'expires', 'cache-control', 'content-disposition', 'content-encoding']) {
    const override = firstQueryValue(request.query, `response-${name}`);
    if (override !== undefined) headers[name === 'content-type' ? 'Content-Type' : name] = override;
  }
  return headers;
}

function findObject(storage: ObjectStorage, key: string): StoredObject {
  const object = storage.getObject(key);
  if (object === undefined) throw new OssError(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
  return object;
}

function checkPreconditions(object: StoredObject, request: OssRequest): Reply | undefined {
  const ifMatch = request.headers['if-match'];
  if (ifMatch !== undefined && normaliseEtag(ifMatch) !== normaliseEtag(object.etag)) {
    throw new OssError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.');
  }
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined && normaliseEtag(ifNoneMatch) === normaliseEtag(object.etag)) {
    return { status: 304, headers: { ETag: object.etag } };
  }
  return undefined;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; anything else is ignored as OSS does, returning the whole object. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size) throw new OssError(416, 'InvalidRange', 'The requested range is not satisfiable.');
  if (end < start) return undefined;
  return { start, end };
}

export function getObject({ request, storage }: OperationContext): Reply {
  const object = findObject(storage, request.key);
  checkReadable(object.storageClass);
  const notModified = checkPreconditions(object, request);
  if (notModified) return notModified;
  const headers = objectHeaders(object, request);
  const range = parseRange(request.headers['range'], object.body.length);
  if (range) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${object.body.length}`;
    return { status: 206, headers, body: object.body.subarray(range.start, range.end + 1) };
  }
  return { status: 200, headers, body: object.body };
}

export function headObject({ request, storage }: OperationContext): Reply {
  const object = findObject(storage, request.key);
  const notModified = checkPreconditions(object, request);
  if (notModified) return notModified;
  return { status: 200, headers: { ...objectHeaders(object, request), 'Content-Length': String(object.body.length) } };
}

export function deleteObject({ request, storage }: OperationContext): Reply {
  storage.deleteObject(request.key);
  return { status: 204, headers: {} };
}

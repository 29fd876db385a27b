/** ListObjects (V1) and ListObjectsV2: keys in byte order, prefix, delimiter, markers, max-keys, url encoding. */
import { firstQueryValue } from './canonical';
import { type OperationContext, type Reply, queryInteger, xmlReply } from './context';
import { invalidArgument } from './errors';
import type { OssRequest } from './request';
import { type ObjectStorage, type StoredObject, compareKeys } from './storage';

const OWNER = { ID: 'oss-emulator', DisplayName: 'oss-emulator' };

interface Listing {
  contents: StoredObject[];
  prefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned, when truncated. */
  next: string | undefined;
}

/** Keys after `after`, under `prefix`, grouped by `delimiter`, at most `maxKeys` entries (keys + prefixes). */
function list(storage: ObjectStorage, prefix: string, after: string, delimiter: string, maxKeys: number): Listing {
  const contents: StoredObject[] = [];
  const prefixes: string[] = [];
  let last: string | undefined;
  // A marker that is a common prefix (ends with the delimiter) means: that whole group was already returned.
  const skipGroup = delimiter !== '' && after.startsWith(prefix) && after.endsWith(delimiter) && after.length > prefix.length;
  for (const key of storage.keys()) {
    if (!key.startsWith(prefix) || compareKeys(key, after) <= 0) continue;
    if (skipGroup && key.startsWith(after)) continue;
    let entry: { kind: 'key'; key: string } | { kind: 'prefix'; prefix: string } = { kind: 'key', key };
    if (delimiter !== '') {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) entry = { kind: 'prefix', prefix: key.slice(0, at + delimiter.length) };
    }
    if (entry.kind === 'prefix' && prefixes[prefixes.length - 1] === entry.prefix) continue;
    if (contents.length + prefixes.length >= maxKeys) return { contents, prefixes, truncated: true, next: last };
    if (entry.kind === 'prefix') {
      prefixes.push(entry.prefix);
      last = entry.prefix;
    } else {
      const object = storage.getObject(entry.key);
      if (object) contents.push(object);
      last = entry.key;
    }
  }
  return { contents, prefixes, truncated: false, next: undefined };
}

/** `encoding-type=url`: names XML cannot carry (control characters) are sent URL-encoded. */
export function encodingOf(request: OssRequest): (text: string) => string {
  const encoding = firstQueryValue(request.query, 'encoding-type');
  if (encoding === undefined || encoding === '') return (text) => text;
  if (encoding !== 'url') throw invalidArgument('encoding-type must be "url".', { ArgumentName: 'encoding-type', ArgumentValue: encoding });
  return (text) => encodeURIComponent(text);
}

function listEntriesXml(listing: Listing, encode: (text: string) => string, withOwner: boolean) {
  return {
    Contents: listing.contents.map((object) => ({
      Key: encode(object.key),
      LastModified: object.lastModified.toISOString(),
      ETag: object.etag,
      Type: object.type,
      Size: object.body.length,
      StorageClass: object.storageClass,
      Owner: withOwner ? OWNER : undefined,
    })),
    CommonPrefixes: listing.prefixes.map((prefix) => ({ Prefix: encode(prefix) })),
  };
}

export function listObjects({ request, storage }: OperationContext): Reply {
  const prefix = firstQueryValue(request.query, 'prefix') ?? '';
  const marker = firstQueryValue(request.query, 'marker') ?? '';
  const delimiter = firstQueryValue(request.query, 'delimiter') ?? '';
  const maxKeys = queryInteger(request, 'max-keys', 100, 1000);
  const encode = encodingOf(request);
  const listing = list(storage, prefix, marker, delimiter, maxKeys);
  return xmlReply('ListBucketResult', {
    Name: request.bucket,
    Prefix: encode(prefix),
    Marker: encode(marker),
    MaxKeys: maxKeys,
    Delimiter: encode(delimiter),
    EncodingType: firstQueryValue(request.query, 'encoding-type') || undefined,
    IsTruncated: listing.truncated,
    NextMarker: listing.next === undefined ? undefined : encode(listing.next),
    ...listEntriesXml(listing, encode, true),
  });
}

export function listObjectsV2({ request, storage }: OperationContext): Reply {
  const prefix = firstQueryValue(request.query, 'prefix') ?? '';
  const token = firstQueryValue(request.query, 'continuation-token');
  const startAfter = firstQueryValue(request.query, 'start-after');
  const delimiter = firstQueryValue(request.query, 'delimiter') ?? '';
  const maxKeys = queryInteger(request, 'max-keys', 100, 1000);
  const encode = encodingOf(request);
  let after = startAfter ?? '';
  if (token !== undefined && token !== '') {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (Buffer.from(decoded, 'utf8').toString('base64url') !== token) {
      throw invalidArgument('The continuation token provided is incorrect.', { ArgumentName: 'continuation-token', ArgumentValue: token });
    }
    after = decoded;
  }
  const listing = list(storage, prefix, after, delimiter, maxKeys);
  return xmlReply('ListBucketResult', {
    Name: request.bucket,
    Prefix: encode(prefix),
    ContinuationToken: token,
    StartAfter: startAfter === undefined ? undefined : encode(startAfter),
    MaxKeys: maxKeys,
    Delimiter: encode(delimiter),
    EncodingType: firstQueryValue(request.query, 'encoding-type') || undefined,
    IsTruncated: listing.truncated,
    NextContinuationToken: listing.next === undefined ? undefined : Buffer.from(listing.next, 'utf8').toString('base64url'),
    KeyCount: listing.contents.length + listing.prefixes.length,
    ...listEntriesXml(listing, encode, firstQueryValue(request.query, 'fetch-owner') === 'true'),
  });
}

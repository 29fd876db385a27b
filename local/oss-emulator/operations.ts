/**
 * Which OSS operation a request is, and which RAM action and resource it needs: decided before anything runs,
 * so the server can ask `isAllowed` first.
 */
import { firstQueryValue } from './canonical';
import type { Operation } from './context';
import { OssError } from './errors';
import { listObjects, listObjectsV2 } from './listing';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  initiateMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
} from './multipart';
import { copyObject, copySourceKey } from './copy';
import { deleteObject, getObject, headObject, putObject } from './objects';
import {
  deleteBucketCors,
  deleteBucketLifecycle,
  getBucketCors,
  getBucketLifecycle,
  putBucketCors,
  putBucketLifecycle,
} from './bucket-settings';
import { deleteBucketOverwriteConfig, getBucketOverwriteConfig, putBucketOverwriteConfig } from './overwrite-config';
import type { OssRequest } from './request';

/** Sub-resources of other OSS APIs (ACL, tagging, …): answered with NotImplemented rather than misread. */
const UNSUPPORTED_SUBRESOURCES = [
  'acl',
  'tagging',
  'symlink',
  'append',
  'position',
  'restore',
  'objectMeta',
  'delete',
  'logging',
  'website',
  'referer',
  'policy',
  'versioning',
  'versions',
  'versionId',
  'location',
  'bucketInfo',
  'stat',
  'encryption',
  'inventory',
  'worm',
  'replication',
  'x-oss-process',
  'callback',
  'qos',
  'requestPayment',
  'asyncFetch',
];

const op = (
  name: string,
  action: string,
  scope: Operation['scope'],
  run: Operation['run'],
  conditions: Record<string, string> = {},
): Operation => ({
  name,
  action,
  scope,
  run,
  conditions,
});

export type Route = Operation | { name: 'PostObject' };

export function isPostObject(route: Route): route is { name: 'PostObject' } {
  return route.name === 'PostObject';
}

/** `/?overwriteConfig` on the bucket: the overwrite protection the rest of the emulator enforces. */
function overwriteConfigOperation(method: string): Operation {
  if (method === 'PUT') return op('PutBucketOverwriteConfig', 'oss:PutBucketOverwriteConfig', 'bucket', putBucketOverwriteConfig);
  if (method === 'GET') return op('GetBucketOverwriteConfig', 'oss:GetBucketOverwriteConfig', 'bucket', getBucketOverwriteConfig);
  if (method === 'DELETE') {
    return op('DeleteBucketOverwriteConfig', 'oss:DeleteBucketOverwriteConfig', 'bucket', deleteBucketOverwriteConfig);
  }
  throw new OssError(405, 'MethodNotAllowed', `${method} on ?overwriteConfig is not allowed.`);
}

/** `/?cors` and `/?lifecycle` on the bucket: Put, Get and Delete of each configuration (bucket-settings.ts). */
function bucketSettingOperation(setting: 'Cors' | 'Lifecycle', method: string): Operation {
  const runs = {
    Cors: { PUT: putBucketCors, GET: getBucketCors, DELETE: deleteBucketCors },
    Lifecycle: { PUT: putBucketLifecycle, GET: getBucketLifecycle, DELETE: deleteBucketLifecycle },
  }[setting];
  const verb = ({ PUT: 'Put', GET: 'Get', DELETE: 'Delete' } as const)[method as 'PUT' | 'GET' | 'DELETE'];
  const run = runs[method as 'PUT' | 'GET' | 'DELETE'];
  if (run === undefined) throw new OssError(405, 'MethodNotAllowed', `${method} on ?${setting.toLowerCase()} is not allowed.`);
  return op(`${verb}Bucket${setting}`, `oss:${verb}Bucket${setting}`, 'bucket', run);
}

export function routeOperation(request: OssRequest): Route {
  const has = (name: string): boolean => firstQueryValue(request.query, name) !== undefined;
  const unsupported = UNSUPPORTED_SUBRESOURCES.find(has);
  if (unsupported !== undefined) throw new OssError(501, 'NotImplemented', `The "${unsupported}" sub-resource is not emulated.`);
  const method = request.method;

  if (request.key === '') {
    if (has('overwriteConfig')) return overwriteConfigOperation(method);
    if (has('cors')) return bucketSettingOperation('Cors', method);
    if (has('lifecycle')) return bucketSettingOperation('Lifecycle', method);
    if (method === 'GET' && has('uploads')) {
      return op('ListMultipartUploads', 'oss:ListMultipartUploads', 'bucket', listMultipartUploads, {
        'oss:Prefix': firstQueryValue(request.query, 'prefix') ?? '',
      });
    }
    if (method === 'GET') {
      const conditions: Record<string, string> = { 'oss:Prefix': firstQueryValue(request.query, 'prefix') ?? '' };
      const delimiter = firstQueryValue(request.query, 'delimiter');
      if (delimiter !== undefined) conditions['oss:Delimiter'] = delimiter;
      const v2 = firstQueryValue(request.query, 'list-type') === '2';
      return op(v2 ? 'ListObjectsV2' : 'ListObjects', 'oss:ListObjects', 'bucket', v2 ? listObjectsV2 : listObjects, conditions);
    }
    if (method === 'POST') return { name: 'PostObject' };
    throw new OssError(405, 'MethodNotAllowed', `${method} on the bucket is not emulated.`);
  }

  switch (method) {
    case 'PUT':
      if (has('uploadId') || has('partNumber')) return op('UploadPart', 'oss:PutObject', 'object', uploadPart);
      if (request.headers['x-oss-copy-source'] !== undefined) {
        return {
          ...op('CopyObject', 'oss:PutObject', 'object', copyObject),
          alsoRequires: [{ action: 'oss:GetObject', key: copySourceKey(request) }],
        };
      }
      return op('PutObject', 'oss:PutObject', 'object', putObject);
    case 'GET':
      if (has('uploadId')) return op('ListParts', 'oss:ListParts', 'object', listParts);
      return op('GetObject', 'oss:GetObject', 'object', getObject);
    case 'HEAD':
      return op('HeadObject', 'oss:GetObject', 'object', headObject);
    case 'DELETE':
      if (has('uploadId')) return op('AbortMultipartUpload', 'oss:AbortMultipartUpload', 'object', abortMultipartUpload);
      return op('DeleteObject', 'oss:DeleteObject', 'object', deleteObject);
    case 'POST':
      if (has('uploads')) return op('InitiateMultipartUpload', 'oss:PutObject', 'object', initiateMultipartUpload);
      if (has('uploadId')) return op('CompleteMultipartUpload', 'oss:PutObject', 'object', completeMultipartUpload);
      throw new OssError(405, 'MethodNotAllowed', 'POST on an object needs ?uploads or ?uploadId; PostObject goes to the bucket root.');
    default:
      throw new OssError(405, 'MethodNotAllowed', `${method} is not allowed on an object.`);
  }
}

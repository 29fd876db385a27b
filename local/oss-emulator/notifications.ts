/**
 * OSS event notifications for ObjectCreated, in the shape FC's OSS trigger delivers (FC docs, "Formats of event
 * for different triggers"): written from the documentation, sharing nothing with `shared/`, so the function's
 * parser is tested against an independent writer.
 */
import type { StoredObject } from './storage';

/** The operations that create an object, and the event each one emits. */
export const OBJECT_CREATED_EVENTS: Readonly<Record<string, string>> = {
  PutObject: 'ObjectCreated:PutObject',
  PostObject: 'ObjectCreated:PostObject',
  CompleteMultipartUpload: 'ObjectCreated:CompleteMultipartUpload',
  CopyObject: 'ObjectCreated:CopyObject',
};

/** One entry of the notification's `events` list. */
export interface ObjectCreatedNotification {
  eventName: string;
  eventSource: 'acs:oss';
  eventTime: string;
  eventVersion: '1.0';
  oss: {
    bucket: { arn: string; name: string; ownerIdentity: string };
    object: { deltaSize: number; eTag: string; key: string; size: number };
    ossSchemaVersion: '1.0';
    ruleId: string;
  };
  region: string;
  requestParameters: { sourceIPAddress: string };
  responseElements: { requestId: string };
  userIdentity: { principalId: string };
}

export interface NotificationInput {
  operation: string;
  bucket: string;
  region: string;
  accountId: string;
  object: StoredObject;
  /** Size of what the key held before (0 when new), for `deltaSize`. */
  previousSize: number;
  requestId: string;
  sourceIp: string;
  now: Date;
  /** Write the key URL-encoded (some notification paths encode keys; the function must read both). */
  encodeKey: boolean;
}

export function objectCreatedNotification(input: NotificationInput): ObjectCreatedNotification | undefined {
  const eventName = OBJECT_CREATED_EVENTS[input.operation];
  if (eventName === undefined) return undefined;
  const size = input.object.body.length;
  return {
    eventName,
    eventSource: 'acs:oss',
    eventTime: input.now.toISOString(),
    eventVersion: '1.0',
    oss: {
      bucket: { arn: `acs:oss:${input.region}:${input.accountId}:${input.bucket}`, name: input.bucket, ownerIdentity: input.accountId },
      object: {
        deltaSize: size - input.previousSize,
        // Unquoted, upper-case, as the documented examples show.
        eTag: input.object.etag.replace(/"/g, ''),
        key: input.encodeKey ? encodeURIComponent(input.object.key).replace(/%2F/g, '/') : input.object.key,
        size,
      },
      ossSchemaVersion: '1.0',
      ruleId: 'local-object-created',
    },
    region: input.region,
    requestParameters: { sourceIPAddress: input.sourceIp },
    responseElements: { requestId: input.requestId },
    userIdentity: { principalId: input.accountId },
  };
}

/**
 * What every upload sign-url signs is stored with besides its bytes and content type, each value bound by the
 * signature or pinned by the form policy (signed-upload.ts), and the RAM statement that holds the ACL at the storage
 * level whatever a request signed with the role's keys says.
 */
import type { KeyMode } from './profiles';
import type { PolicyStatement } from './session-policy';

/** Opening the object's URL downloads it rather than rendering it on the bucket's origin (`<img>` still shows images). */
export const CONTENT_DISPOSITION = 'attachment';
/** Private, whatever the bucket's default: a form field could otherwise make the object readable by anyone. */
export const OBJECT_ACL = 'private';
/** A form field could otherwise pick an archive class: unreadable until restored, billed for months, never judged. */
export const STORAGE_CLASS = 'Standard';

/**
 * `x-oss-forbid-overwrite`, signed or pinned on every upload: an upload never replaces an object, but for the one key
 * of a fixed-key profile (an avatar), which a new upload replaces.
 */
export function forbidOverwrite(key: KeyMode): 'true' | 'false' {
  return key === 'fixed' ? 'false' : 'true';
}

/** The ACLs that make an object public (OSS object ACL values; `default` inherits the private bucket's). */
export const PUBLIC_OBJECT_ACLS = ['public-read', 'public-read-write'] as const;

/**
 * Deny any upload that asks for a public ACL. `oss:x-oss-object-acl` is OSS's documented condition key for the
 * object ACL a request sets (OSS "authorization syntax and elements": condition keys).
 */
export function denyPublicObjectAcl(resources: readonly string[]): PolicyStatement {
  return {
    Effect: 'Deny',
    Action: ['oss:PutObject'],
    Resource: [...resources],
    Condition: { StringEqualsIgnoreCase: { 'oss:x-oss-object-acl': [...PUBLIC_OBJECT_ACLS] } },
  };
}

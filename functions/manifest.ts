/**
 * What the tooling knows of a function besides its handler: how it is triggered (an HTTP route, or OSS events),
 * and what its RAM role must be allowed and refused, stated as data that
 * deploy/policies.ts turns into RAM policies: a manifest imports its function and shared/, never the tools that
 * read it. The registry (`registry.ts`) lists one manifest per function.
 */
import type { EdgeConfig } from '../shared/config/sections';
import type { EventFunctionDefinition } from '../shared/edge/event-handler';
import type { FunctionDefinition } from '../shared/edge/handler';

/**
 * The resources a role can be granted, by what they are rather than by ARN: deploy/policies.ts resolves each from
 * the deployment's configuration and roles.
 * - `uploads`: every user's prefix (the static part of UPLOAD_PREFIX before `{user}`, then anything).
 * - `quarantine`: QUARANTINE_PREFIX's folder; a deployment without one has none, and a grant on it is left out.
 * - `upload-role`: the role `sts-token` assumes (STS_ROLE_ARN, the stack's upload role when deployed).
 * - `bucket`: the bucket itself, for bucket-level actions (listing unfinished multipart uploads).
 * - `verdicts`: VERDICT_PREFIX's folder, where upload-completed keeps each verdict for the uploader.
 * - `uploads-listing`: the bucket, for listing the users' folders only (`oss:Prefix` under UPLOAD_PREFIX's folder), in
 *   every deployment (sign-url's VERDICT learns whether one key exists by listing it).
 * - `quota-listing`: the same listing, which counting a profile's quota takes; a deployment without a quota has none,
 *   and a grant on it is left out.
 * - `usage-records`: the folder beside the users' (`users.usage/`) where upload-completed keeps what it counted
 *   (shared/upload/usage-record.ts); likewise only with a quota.
 */
export type ResourceKind =
  'uploads' | 'quarantine' | 'upload-role' | 'bucket' | 'verdicts' | 'uploads-listing' | 'quota-listing' | 'usage-records';

/** One Allow statement: these actions on that resource. */
export interface Grant {
  actions: readonly string[];
  resource: ResourceKind;
}

/**
 * What a role is refused even where a grant allows it. `public-object-acl`: any write asking OSS for a public
 * object ACL (shared/upload/stored-object.ts).
 */
export interface Refusal {
  refuse: 'public-object-acl';
  resource: ResourceKind;
}

/** A role's needs: its Allow statements in this order, then its Deny statements in this order. */
export interface RolePermissions {
  allow: readonly Grant[];
  deny?: readonly Refusal[];
}

interface ManifestBase {
  /** The folder under functions/, the bundle under dist/, and the s.yaml resource. */
  name: string;
  /**
   * What the function's role may do, and may never do. A role granted `sts:AssumeRole` on `upload-role` is one the
   * upload role trusts.
   */
  permissions: RolePermissions;
}

/** A function behind an HTTP trigger. */
export interface HttpFunctionManifest extends ManifestBase {
  /** Absent means `http`. */
  trigger?: 'http';
  /** Where `npm start` serves it. */
  route: string;
  /** A fresh definition (its own caches), as a new instance would build it. */
  create(): FunctionDefinition<EdgeConfig>;
  /** A request body it answers 200 to, for the bench and the smoke test. */
  exampleRequest: object;
}

/** A function invoked asynchronously by an OSS trigger. */
export interface OssFunctionManifest extends ManifestBase {
  trigger: 'oss';
  /** The OSS events the trigger subscribes to (s.yaml `triggerConfig.events`). */
  events: readonly string[];
  /** A fresh definition, as a new instance would build it. */
  create(): EventFunctionDefinition<unknown, unknown>;
  /** An object it accepts, for the bench: stored under `<user prefix><path>` before the event is sent. */
  exampleObject: { user: string; path: string; contentType: string; body: Buffer };
}

export type FunctionManifest = HttpFunctionManifest | OssFunctionManifest;

export function isHttpFunction(manifest: FunctionManifest): manifest is HttpFunctionManifest {
  return manifest.trigger !== 'oss';
}

/**
 * What the tooling knows of a function besides its handler: how it is triggered (an HTTP route, or OSS events),
 * which variable names its RAM role, and what that role may do. The registry (`registry.ts`) lists one manifest
 * per function.
 */
import type { DeploymentConfig, DeploymentRoles } from '../deploy/policies';
import type { EdgeConfig } from '../shared/config/sections';
import type { EventFunctionDefinition } from '../shared/edge/event-handler';
import type { FunctionDefinition } from '../shared/edge/handler';
import type { PolicyDocument } from '../shared/upload/session-policy';

interface ManifestBase {
  /** The folder under functions/, the bundle under dist/, and the s.yaml resource. */
  name: string;
  /** The deployer's variable holding the ARN of the function's own role (s.yaml `role:`). */
  roleVariable: string;
  /** What the function's role may do; a role allowed to assume the upload role is the one the upload role trusts. */
  rolePolicy(config: DeploymentConfig, roles: DeploymentRoles): PolicyDocument;
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
  /** The deployer's variable holding the ARN of the role OSS assumes to invoke it (s.yaml trigger `invocationRole`). */
  triggerRoleVariable: string;
  /** A fresh definition, as a new instance would build it. */
  create(): EventFunctionDefinition<unknown, unknown>;
  /** An object it accepts, for the bench: stored under `<user prefix><path>` before the event is sent. */
  exampleObject: { user: string; path: string; contentType: string; body: Buffer };
}

export type FunctionManifest = HttpFunctionManifest | OssFunctionManifest;

export function isHttpFunction(manifest: FunctionManifest): manifest is HttpFunctionManifest {
  return manifest.trigger !== 'oss';
}

/**
 * What the tooling knows of a function besides its handler: where the dev server mounts it, which variable
 * names its RAM role, and what that role may do. The registry (`registry.ts`) lists one manifest per function.
 */
import type { DeploymentConfig, DeploymentRoles } from '../deploy/policies';
import type { EdgeConfig } from '../shared/config/sections';
import type { FunctionDefinition } from '../shared/edge/handler';
import type { PolicyDocument } from '../shared/upload/session-policy';

export interface FunctionManifest {
  /** The folder under functions/, the bundle under dist/, and the s.yaml resource. */
  name: string;
  /** Where `npm start` serves it. */
  route: string;
  /** The deployer's variable holding the ARN of the function's own role (s.yaml `role:`). */
  roleVariable: string;
  /** What the function's role may do; a role allowed to assume the upload role is the one the upload role trusts. */
  rolePolicy(config: DeploymentConfig, roles: DeploymentRoles): PolicyDocument;
  /** A fresh definition (its own caches), as a new instance would build it. */
  create(): FunctionDefinition<EdgeConfig>;
  /** A request body it answers 200 to, for the bench and the smoke test. */
  exampleRequest: object;
}

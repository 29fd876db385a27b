/**
 * What only the deployment reads (the functions never see it): the name every created resource is derived from, and
 * whether the stack creates the bucket or configures one that exists. Each variable is parsed once here, with a
 * problem that names it, like the functions' own variables (shared/config/variables.ts).
 */
import type { Env, Report } from '../shared/config/variables';

/** The deployer's variables of the deployment itself, with their defaults. */
export const DEPLOY_VARIABLES = {
  DEPLOY_NAME: 'oss-upload',
  CREATE_BUCKET: 'true',
} as const;
export type DeployVariableName = keyof typeof DEPLOY_VARIABLES;

export interface DeployOptions {
  /** The prefix of the stack, the roles, their policies and the functions: two deployments in one account differ here. */
  deployName: string;
  /** true: the stack creates the bucket (and keeps it on removal); false: it configures an existing bucket. */
  createBucket: boolean;
}

/**
 * Lower-case letters, digits and inner hyphens, at most 32 characters: so that every name derived from it is a valid
 * RAM role name (at most 64 characters), an FC function name, and the lower-case ARN FC keeps.
 */
const DEPLOY_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

export function readDeployOptions(env: Env, report: Report): DeployOptions {
  const given = (name: DeployVariableName): string => {
    const value = env[name]?.trim() ?? '';
    return value === '' ? DEPLOY_VARIABLES[name] : value;
  };
  const deployName = given('DEPLOY_NAME');
  if (!DEPLOY_NAME.test(deployName) || deployName.includes('--')) {
    report('DEPLOY_NAME must be 2 to 32 lower-case letters, digits and single hyphens, starting with a letter (e.g. oss-upload)');
  }
  const create = given('CREATE_BUCKET').toLowerCase();
  if (create !== 'true' && create !== 'false') {
    report(
      `CREATE_BUCKET must be true (the stack creates the bucket) or false (the bucket exists), got ${JSON.stringify(create.slice(0, 20))}`,
    );
  }
  return { deployName, createBucket: create !== 'false' };
}

/** Every name the deployment gives, from DEPLOY_NAME. */
export interface DeploymentNames {
  stack: string;
  /** The FC function a registry entry is deployed as. */
  functionName(name: string): string;
  functionRole(name: string): string;
  uploadRole: string;
  triggerRole(name: string): string;
  /** The custom policy attached to a role: RAM policy names are unique per account, so each carries the role's name. */
  policyOf(roleName: string): string;
}

export function deploymentNames(deployName: string): DeploymentNames {
  return {
    stack: deployName,
    functionName: (name) => `${deployName}-${name}`,
    functionRole: (name) => `${deployName}-${name}`,
    uploadRole: `${deployName}-sts-upload`,
    triggerRole: (name) => `${deployName}-${name}-trigger`,
    policyOf: (roleName) => `${roleName}-policy`,
  };
}

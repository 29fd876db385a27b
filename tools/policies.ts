/**
 * `npm run policies`: everything the deployment creates in RAM and on the bucket, printed from the same rules the
 * functions use and the stack's template is built from (deploy/ros-template.ts). Reads the deployment's environment
 * (docs/deploy.md); the account is shown as ROS fills it in, `${ALIYUN::AccountId}`. With no OSS_BUCKET, prints
 * what the local stack grants.
 */
import { readDeployOptions, deploymentNames } from '../deploy/deployment';
import { deploymentConfig, deploymentPolicies } from '../deploy/policies';
import { stackRoles } from '../deploy/ros-template';
import { FUNCTIONS } from '../functions/registry';
import { embeddedEnvironment } from '../local/embedded-env';
import { localRoles } from '../local/local-account';
import { loadConfig } from '../shared/config/sections';

function main(): number {
  const local = (process.env['OSS_BUCKET'] ?? '') === '';
  // Locally, what `npm start` grants: the stack's bucket and roles, the environment's other settings.
  const env = local ? embeddedEnvironment(process.env, ['http://127.0.0.1:9000', 'http://localhost:9000']).env : process.env;
  const problems: string[] = [];
  const options = readDeployOptions(env, (problem) => void problems.push(problem));
  const loaded = loadConfig(env, deploymentConfig);
  if (!loaded.ok) problems.push(...loaded.problems);
  if (!loaded.ok || problems.length > 0) {
    console.error(`cannot print the policies:\n  ${problems.join('\n  ')}`);
    return 2;
  }
  const roles = local
    ? localRoles(FUNCTIONS)
    : stackRoles({ config: loaded.config, functions: FUNCTIONS }, deploymentNames(options.deployName));
  if (local) console.error("(no OSS_BUCKET: printing the local stack's policies)");
  console.log(JSON.stringify(deploymentPolicies(loaded.config, roles, FUNCTIONS), null, 2));
  return 0;
}

process.exitCode = main();

/**
 * `npm run policies`: everything a deployer creates in RAM and on the bucket, printed from the same rules the
 * functions use. Reads the deployment's environment (README "Deploy"); with no OSS_BUCKET, prints the local stack's.
 */
import { deploymentConfig, deploymentPolicies, type DeploymentRoles } from '../deploy/policies';
import { FUNCTIONS } from '../functions/registry';
import { embeddedEnvironment } from '../local/embedded-env';
import { localRoles } from '../local/local-account';
import { loadConfig } from '../shared/config/sections';
import { ROLE_ARN } from '../shared/config/variables';

function main(): number {
  const local = (process.env['OSS_BUCKET'] ?? '') === '';
  // Locally, what `npm start` grants: the stack's bucket and roles, the environment's other settings.
  const env = local ? embeddedEnvironment(process.env, ['http://127.0.0.1:9000', 'http://localhost:9000']).env : process.env;
  const loaded = loadConfig(env, deploymentConfig);
  const roles: DeploymentRoles = local
    ? localRoles(FUNCTIONS)
    : {
        uploadRoleArn: env['STS_ROLE_ARN'] ?? '',
        functionRoleArns: Object.fromEntries(FUNCTIONS.map(({ name, roleVariable }) => [name, env[roleVariable] ?? ''])),
        triggerRoleArns: Object.fromEntries(
          FUNCTIONS.flatMap((fn) => (fn.trigger === 'oss' ? [[fn.name, env[fn.triggerRoleVariable] ?? '']] : [])),
        ),
      };
  const problems = loaded.ok ? [] : [...loaded.problems];
  for (const fn of FUNCTIONS) {
    if (!ROLE_ARN.test(roles.functionRoleArns[fn.name] ?? '')) {
      problems.push(`${fn.roleVariable} must be the ARN of the function's role, acs:ram::<account>:role/<name>`);
    }
    if (fn.trigger === 'oss' && !ROLE_ARN.test(roles.triggerRoleArns?.[fn.name] ?? '')) {
      problems.push(
        `${fn.triggerRoleVariable} must be the ARN of the role OSS assumes to invoke ${fn.name}, acs:ram::<account>:role/<name>`,
      );
    }
  }
  if (!loaded.ok || problems.length > 0) {
    console.error(`cannot print the policies:\n  ${problems.join('\n  ')}`);
    return 2;
  }
  if (local) console.error("(no OSS_BUCKET: printing the local stack's policies)");
  console.log(JSON.stringify(deploymentPolicies(loaded.config, roles, FUNCTIONS), null, 2));
  return 0;
}

process.exitCode = main();

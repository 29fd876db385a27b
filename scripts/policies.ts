/**
 * `npm run policies`: everything a deployer creates in RAM and on the bucket, printed from the same rules the
 * functions use. Reads the deployment's environment (README "Deploy"); with no OSS_BUCKET, prints the local stack's.
 */
import { loadConfig, ROLE_ARN } from '../shared/config';
import { deploymentPolicies, type DeploymentRoles } from '../shared/deploy-policies';
import { LOCAL_ROLES, localEnv } from '../local/dev-stack';

function main(): number {
  const local = (process.env['OSS_BUCKET'] ?? '') === '';
  const env = local ? { ...process.env, ...localEnv(['http://127.0.0.1:9000', 'http://localhost:9000']) } : process.env;
  const loaded = loadConfig(env, { requireSts: true });
  const roles: DeploymentRoles = local
    ? { uploadRoleArn: LOCAL_ROLES.upload, signUrlFunctionRoleArn: LOCAL_ROLES.signUrl, stsTokenFunctionRoleArn: LOCAL_ROLES.stsToken }
    : {
        uploadRoleArn: env['STS_ROLE_ARN'] ?? '',
        signUrlFunctionRoleArn: env['SIGN_URL_FUNCTION_ROLE_ARN'] ?? '',
        stsTokenFunctionRoleArn: env['STS_TOKEN_FUNCTION_ROLE_ARN'] ?? '',
      };
  const problems = loaded.ok ? [] : [...loaded.problems];
  for (const [name, arn] of [
    ['SIGN_URL_FUNCTION_ROLE_ARN', roles.signUrlFunctionRoleArn],
    ['STS_TOKEN_FUNCTION_ROLE_ARN', roles.stsTokenFunctionRoleArn],
  ] as const) {
    if (!ROLE_ARN.test(arn)) problems.push(`${name} must be the ARN of the function's role, acs:ram::<account>:role/<name>`);
  }
  if (!loaded.ok || problems.length > 0) {
    console.error(`cannot print the policies:\n  ${problems.join('\n  ')}`);
    return 2;
  }
  if (local) console.error("(no OSS_BUCKET: printing the local stack's policies)");
  console.log(JSON.stringify(deploymentPolicies(loaded.config, roles), null, 2));
  return 0;
}

process.exitCode = main();

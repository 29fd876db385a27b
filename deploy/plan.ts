/**
 * The plan in words: what `s deploy` will create or change, read from the template and the rendered s.yaml that
 * the offline check has just checked. Secrets are shown only as set or not; a webhook URL only by its origin.
 */
import { isHttpFunction, type FunctionManifest } from '../functions/manifest';
import type { Env } from '../shared/config/variables';
import { VERDICT_RECORD_DAYS } from '../shared/upload/verdict-record';
import { deploymentNames, type DeployOptions } from './deployment';
import { ABORT_MULTIPART_AFTER_DAYS, bucketCorsRule, type DeploymentConfig } from './policies';
import { logicalIds, ROLE_PROPAGATION_SECONDS, type RosTemplate, type RosValue } from './ros-template';

const SECRETS = new Set(['AUTH_JWT_SECRET', 'USER_HASH_SECRET', 'UPLOAD_WEBHOOK_SECRET']);

interface PlanInput {
  template: RosTemplate;
  config: DeploymentConfig;
  options: DeployOptions;
  functions: readonly FunctionManifest[];
  environments: Record<string, Record<string, string>>;
  stackName: string;
  env: Env;
  /** The account id the outputs were rendered with, shown as `<account>`. */
  previewAccount: string;
}

/** An ARN as a person reads it here: the bucket path, the role or the function name. */
function readable(value: RosValue): string {
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'object' && !Array.isArray(value) && 'Fn::Sub' in value
        ? String(value['Fn::Sub'])
        : typeof value === 'object' && !Array.isArray(value) && 'Fn::GetAtt' in value
          ? `the role ${String((value['Fn::GetAtt'] as RosValue[])[0])}`
          : JSON.stringify(value);
  return text
    .replace(/^acs:oss:\*:\*:/, '')
    .replace(/^acs:ram::\$\{ALIYUN::AccountId\}:role\//, 'the role ')
    .replace(/^acs:fc:[^:]+:\$\{ALIYUN::AccountId\}:functions\//, 'the function ');
}

function roleLines(template: RosTemplate, id: string): string[] {
  const properties = template.Resources[id]?.Properties ?? {};
  const roleName = (value: RosValue): string => {
    const getAtt = typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, RosValue>)['Fn::GetAtt'] : undefined;
    const target = Array.isArray(getAtt) ? template.Resources[String(getAtt[0])] : undefined;
    return target === undefined ? readable(value) : `the role ${String(target.Properties['RoleName'])}`;
  };
  const trust = (properties['AssumeRolePolicyDocument'] as { Statement: Array<{ Principal: Record<string, RosValue[]> }> }).Statement;
  const trusted = trust
    .flatMap((statement) =>
      Object.entries(statement.Principal).flatMap(([kind, values]) =>
        values.map((value) =>
          kind === 'Service'
            ? value === 'fc.aliyuncs.com'
              ? 'Function Compute'
              : value === 'oss.aliyuncs.com'
                ? 'OSS'
                : String(value)
            : roleName(value),
        ),
      ),
    )
    .join(', ');
  const policies = properties['Policies'] as Array<{
    PolicyName: string;
    PolicyDocument: { Statement: Array<{ Effect: string; Action: string[]; Resource: RosValue[]; Condition?: unknown }> };
  }>;
  const lines = [`- ${String(properties['RoleName'])}: trusted by ${trusted} only`];
  if (properties['MaxSessionDuration'] !== undefined) lines[0] += `; sessions up to ${String(properties['MaxSessionDuration'])} s`;
  for (const policy of policies) {
    for (const statement of policy.PolicyDocument.Statement) {
      const verb = statement.Effect === 'Allow' ? 'may' : 'is refused';
      const when = statement.Condition === undefined ? '' : ` when ${JSON.stringify(statement.Condition)}`;
      lines.push(`    ${verb} ${statement.Action.join(', ')} on ${statement.Resource.map(readable).join(', ')}${when}`);
    }
    lines.push(`    (policy ${policy.PolicyName})`);
  }
  return lines;
}

function shownValue(name: string, value: string): string {
  if (value === '') return '(unset: the default)';
  if (SECRETS.has(name)) return '(secret, set)';
  if (name === 'UPLOAD_WEBHOOK_URL') {
    try {
      return `${new URL(value).origin}/…`;
    } catch {
      return '(set)';
    }
  }
  return value;
}

export function describePlan(input: PlanInput): string {
  const { template, config, options, functions, environments, stackName } = input;
  const names = deploymentNames(options.deployName);
  const cors = bucketCorsRule(config);
  const lines: string[] = [
    `Plan for s deploy (checked offline: nothing has been sent anywhere; the account is yours, from s config add):`,
    '',
    `1. ROS stack ${names.stack} in ${config.region} (s.yaml resource ${stackName}): created, or updated to this template if it exists;`,
    `   a failed change is rolled back by ROS. Template: dist/deploy/ros-template.json, ${Object.keys(template.Resources).length} resources.`,
    '   RAM roles, each with one custom policy of its own:',
  ];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'ALIYUN::RAM::Role') lines.push(...roleLines(template, id).map((line) => `   ${line}`));
  }
  const corsLine =
    cors.allowedOrigins.length === 0
      ? 'CORS: none (ALLOWED_ORIGINS is empty: browsers cannot upload)'
      : `CORS: origins ${cors.allowedOrigins.join(', ')}; methods ${cors.allowedMethods.join(', ')}; exposes ${cors.exposeHeaders.join(', ')}`;
  const lifecycleLine =
    `lifecycle: multipart uploads left unfinished under ${config.uploadPrefix.before} are aborted after ${ABORT_MULTIPART_AFTER_DAYS} days; ` +
    `upload-completed's verdict records under ${config.verdictPrefix} are deleted after ${VERDICT_RECORD_DAYS} day`;
  const overwriteLine = `overwrite protection: no object under ${config.uploadPrefix.before} can be replaced, by anyone`;
  if (options.createBucket) {
    lines.push(
      `   Bucket ${config.bucket}: created by the stack (CREATE_BUCKET=true), private, public access blocked; kept with its files when`,
      '   the stack is removed (delete it yourself if you want it gone).',
      `     ${corsLine}`,
      `     ${lifecycleLine}`,
      `     ${overwriteLine} (the stack's ${logicalIds.overwriteConfig})`,
    );
  } else {
    lines.push(
      `   Bucket ${config.bucket}: exists (CREATE_BUCKET=false); never deleted by s remove. The stack sets:`,
      '     public access blocked (removing the stack should lift the block again; not confirmed without an account)',
      `     ${overwriteLine}: this replaces the bucket's whole overwrite configuration, so rules of your own are replaced`,
    );
  }
  lines.push(`   Then it waits ${ROLE_PROPAGATION_SECONDS} s, so that FC and OSS find the new roles usable.`, '');
  lines.push(
    options.createBucket
      ? '2. After the stack: nothing more on the bucket (the stack set everything).'
      : `2. After the stack, through the OSS API with your s access (idempotent: nothing is sent when they are in place already):\n     ${corsLine}\n     ${lifecycleLine}\n   Each is merged with the bucket's rules of its own, which are kept.`,
    '',
    '3. The functions (fc3), after the stack, each with its role from the stack:',
  );
  for (const fn of functions) {
    const trigger = isHttpFunction(fn)
      ? `HTTP trigger, anonymous (callers bring their JWT); ${[...(fn.create().methods ?? ['POST']), 'OPTIONS'].join(', ')}`
      : `OSS trigger on ${config.bucket} for ${fn.events.map((event) => event.replace('oss:ObjectCreated:', '')).join(', ')} under ${config.uploadPrefix.before}, invoked through ${names.triggerRole(fn.name)}`;
    lines.push(`   - ${names.functionName(fn.name)}: nodejs20, dist/${fn.name}, role ${names.functionRole(fn.name)}; ${trigger}`);
    const environment = Object.entries(environments[fn.name] ?? {});
    const set = environment.filter(([, value]) => value !== '').map(([name, value]) => `${name}=${shownValue(name, value)}`);
    const defaults = environment.filter(([, value]) => value === '').map(([name]) => name);
    lines.push(`     variables: ${set.join(', ')}`);
    if (defaults.length > 0) lines.push(`     defaults (as with npm start): ${defaults.join(', ')}`);
  }
  lines.push('', '4. At the end: the function URLs, and the lines a frontend and a mobile app set.');
  return lines.join('\n').replaceAll(input.previewAccount, '<account>');
}

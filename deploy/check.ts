/**
 * The offline check before deploying (`npm run deploy:check`, and the stack's pre-deploy action): no account, no
 * network. It builds the ROS template from the registry and the manifests, checks it (types, properties,
 * references, outputs, least privilege), renders s.yaml as `s` would with the stack's outputs, checks each fc3
 * resource against the fc3 component's schema and each function's environment against the configuration table,
 * loads the configuration each function would get exactly as a cold start does, and says in words what a deploy
 * will create or change.
 */
import Ajv from 'ajv';
import { FUNCTIONS } from '../functions/registry';
import { isHttpFunction, type FunctionManifest } from '../functions/manifest';
import { loadConfig, type ConfigSection } from '../shared/config/sections';
import type { Env } from '../shared/config/variables';
import { readDeployOptions, deploymentNames, type DeployOptions } from './deployment';
import type { DeployerScope } from './deployer-policy';
import { leastPrivilegeProblems } from './least-privilege';
import { describePlan } from './plan';
import { deploymentConfig, type DeploymentConfig } from './policies';
import { previewValue, templateProblems } from './ros-check';
import { outputKeys, rosTemplate, type RosTemplate } from './ros-template';
import {
  environmentBlockProblems,
  outputReferences,
  parseSYaml,
  renderSYaml,
  variablesReadBy,
  type SYamlDocument,
  type SYamlResource,
} from './s-yaml';

/** An account id for rendering only: outputs hold ARNs, which the functions' configuration checks by shape. */
export const PREVIEW_ACCOUNT = '1234567890123456';

/** Set by the deployer in older guides; the stack now creates what they named. */
const RETIRED_VARIABLES = [
  'STS_ROLE_ARN',
  'SIGN_URL_FUNCTION_ROLE_ARN',
  'STS_TOKEN_FUNCTION_ROLE_ARN',
  'UPLOAD_COMPLETED_FUNCTION_ROLE_ARN',
  'UPLOAD_COMPLETED_TRIGGER_ROLE_ARN',
];

export interface CheckInput {
  env: Env;
  sYaml: string;
  /** The fc3 component's props schema (deploy/vendor/fc3-props.schema.json). */
  fc3Schema: object;
  functions?: readonly FunctionManifest[];
}

export interface CheckResult {
  problems: string[];
  /** Things that are fine but worth saying (a variable that is ignored). */
  notes: string[];
  /** What deploys but is likely a mistake, said where it cannot be missed (no CORS origins). */
  warnings: string[];
  template: RosTemplate | undefined;
  plan: string;
  /** Each function's environment as FC will receive it (secrets included: never print it). */
  environments: Record<string, Record<string, string>>;
  /** What the deployer's policy is scoped to. */
  scope: DeployerScope | undefined;
}

export function runCheck(input: CheckInput): CheckResult {
  const functions = input.functions ?? FUNCTIONS;
  const problems: string[] = [];
  const notes: string[] = [];
  const report = (problem: string): void => void problems.push(problem);
  const options = readDeployOptions(input.env, report);
  const loaded = loadConfig(input.env, deploymentConfig);
  if (!loaded.ok) problems.push(...loaded.problems);
  for (const name of RETIRED_VARIABLES) {
    if ((input.env[name] ?? '') !== '') notes.push(`${name} is set but not used: the stack creates that role`);
  }
  let document: SYamlDocument;
  try {
    document = parseSYaml(input.sYaml);
  } catch (error) {
    return {
      problems: [...problems, String(error)],
      notes,
      warnings: [],
      template: undefined,
      plan: '',
      environments: {},
      scope: undefined,
    };
  }
  if (!loaded.ok) return { problems, notes, warnings: [], template: undefined, plan: '', environments: {}, scope: undefined };
  const config = loaded.config;
  // Valid for an app-only deployment, but also what a redeploy that forgot ALLOWED_ORIGINS looks like: it removes CORS.
  const warnings =
    config.allowedOrigins.length === 0
      ? [
          'ALLOWED_ORIGINS is empty, so CORS: none: no browser can upload (native apps and servers can), and a deployment that had ' +
            'origins loses them; set ALLOWED_ORIGINS (keep it in .env with the rest of this deployment) unless no browser uploads',
        ]
      : [];

  const template = rosTemplate({ config, options, functions });
  problems.push(...templateProblems(template), ...leastPrivilegeProblems(template, { config, options, functions }));
  const { stackName, environments } = checkSYaml(
    document,
    template,
    { config, options, functions, env: input.env, schema: input.fc3Schema },
    report,
  );
  return {
    problems,
    notes,
    warnings,
    template,
    plan:
      problems.length > 0
        ? ''
        : describePlan({ template, config, options, functions, environments, stackName, env: input.env, previewAccount: PREVIEW_ACCOUNT }),
    environments,
    scope: { deployName: options.deployName, bucket: config.bucket, region: config.region },
  };
}

interface SYamlContext {
  config: DeploymentConfig;
  options: DeployOptions;
  functions: readonly FunctionManifest[];
  env: Env;
  schema: object;
}

function checkSYaml(
  document: SYamlDocument,
  template: RosTemplate,
  context: SYamlContext,
  report: (problem: string) => void,
): { stackName: string; environments: Record<string, Record<string, string>> } {
  const { config, options, functions } = context;
  const names = deploymentNames(options.deployName);
  const environments: Record<string, Record<string, string>> = {};
  if (document.edition !== '3.0.0') report('s.yaml: edition must be 3.0.0');
  const stacks = Object.entries(document.resources).filter(
    ([, resource]) => resource.component === 'ros' || resource.component.startsWith('ros@'),
  );
  if (stacks.length !== 1) {
    report('s.yaml: needs exactly one resource of component ros (the stack)');
    return { stackName: '', environments };
  }
  const [stackName] = stacks[0]!;
  const outputs = Object.fromEntries(
    Object.entries(template.Outputs).map(([key, output]) => [
      key,
      previewValue(template, output.Value, { account: PREVIEW_ACCOUNT, region: config.region }),
    ]),
  );
  const resources = renderSYaml(document, { env: context.env, outputs: { [stackName]: outputs }, report });
  const stack = resources[stackName]!;
  if (stack.props['name'] !== names.stack) report(`s.yaml: the stack's name must be ${names.stack} (DEPLOY_NAME)`);
  if (stack.props['region'] !== config.region) report('s.yaml: the stack must be in OSS_REGION');
  if (stack.props['template'] !== TEMPLATE_PATH) report(`s.yaml: the stack's template must be ${TEMPLATE_PATH}, which this check writes`);

  const fc3 = Object.keys(document.resources).filter((name) => name !== stackName);
  const expected = functions.map((fn) => fn.name);
  if (JSON.stringify([...fc3].sort()) !== JSON.stringify([...expected].sort())) {
    report(`s.yaml: the fc3 resources must be exactly the registry's functions (${expected.join(', ')}), found ${fc3.join(', ')}`);
  }
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(context.schema);
  for (const fn of functions) {
    const raw = document.resources[fn.name];
    const rendered = resources[fn.name];
    if (raw === undefined || rendered === undefined) continue;
    if (rendered.component !== 'fc3') report(`${fn.name}: component must be fc3`);
    if (!validate(rendered.props)) {
      for (const error of validate.errors ?? [])
        report(`${fn.name}: props${error.instancePath} ${error.message ?? 'invalid'} (fc3 schema)`);
    }
    checkFunctionResource(fn, raw, rendered, { stackName, names, report });
    // The environment: exactly what the function reads, and a configuration that loads as at cold start.
    const block = rawEnvironment(document, raw);
    if (block === undefined) {
      report(`${fn.name}: environmentVariables must be one block of s.yaml's vars`);
      continue;
    }
    for (const problem of environmentBlockProblems(fn.name, block, variablesReadBy(fn.create().config, context.env), stackName))
      report(problem);
    const environment = rendered.props['environmentVariables'] as Record<string, string>;
    environments[fn.name] = environment;
    // As at cold start: the configuration, then the function's own check of it (the STS policy's size, say).
    const definition: { config: ConfigSection<unknown>; checkConfig?(config: unknown): string[] } = fn.create();
    const cold = loadConfig(environment, definition.config);
    const coldProblems = cold.ok ? (definition.checkConfig?.(cold.config) ?? []) : cold.problems;
    for (const problem of coldProblems) report(`${fn.name} would not start: ${problem}`);
    // FC's limit on all of a function's variables together.
    const size = Object.entries(environment).reduce((sum, [key, value]) => sum + key.length + value.length, 0);
    if (size > 4096) report(`${fn.name}: its environment variables take ${size} bytes; FC allows 4096`);
  }
  return { stackName, environments };
}

/** Where the check writes the template, and where s.yaml's stack reads it (relative to the folder `s` runs in). */
export const TEMPLATE_PATH = './dist/deploy/ros-template.json';

function rawEnvironment(document: SYamlDocument, raw: SYamlResource): Record<string, unknown> | undefined {
  const reference = /^\$\{vars\.([A-Za-z0-9_]+)\}$/.exec(String(raw.props['environmentVariables'] ?? ''));
  const block = reference?.[1] === undefined ? undefined : document.vars[reference[1]];
  return typeof block === 'object' && block !== null ? (block as Record<string, unknown>) : undefined;
}

function checkFunctionResource(
  fn: FunctionManifest,
  raw: SYamlResource,
  rendered: SYamlResource,
  context: { stackName: string; names: ReturnType<typeof deploymentNames>; report: (problem: string) => void },
): void {
  const { stackName, names, report } = context;
  const props = rendered.props;
  if (props['functionName'] !== names.functionName(fn.name)) report(`${fn.name}: functionName must be ${names.functionName(fn.name)}`);
  if (props['code'] !== `./dist/${fn.name}` || props['handler'] !== 'index.handler' || props['runtime'] !== 'nodejs20') {
    report(`${fn.name}: must deploy ./dist/${fn.name} with handler index.handler on nodejs20 (the build's output)`);
  }
  // Roles come from the stack, never from a variable.
  const role = `\${resources.${stackName}.output.${outputKeys.functionRoleArn(fn.name)}}`;
  if (raw.props['role'] !== role) report(`${fn.name}: role must be ${role}`);
  const triggers = (props['triggers'] ?? []) as Array<Record<string, unknown>>;
  const rawTriggers = (raw.props['triggers'] ?? []) as Array<Record<string, unknown>>;
  if (isHttpFunction(fn)) {
    const methods = [...(fn.create().methods ?? ['POST']), 'OPTIONS'];
    const http = triggers[0]?.['triggerConfig'] as { authType?: unknown; methods?: unknown } | undefined;
    if (triggers.length !== 1 || triggers[0]?.['triggerType'] !== 'http' || JSON.stringify(http?.methods) !== JSON.stringify(methods)) {
      report(`${fn.name}: needs one http trigger with methods ${methods.join(', ')} (its definition's, and OPTIONS)`);
    }
    return;
  }
  const wanted = {
    sourceArn: `\${resources.${stackName}.output.${outputKeys.bucketSourceArn}}`,
    invocationRole: `\${resources.${stackName}.output.${outputKeys.triggerRoleArn(fn.name)}}`,
  };
  const trigger = rawTriggers[0] ?? {};
  const config = trigger['triggerConfig'] as { events?: unknown; filter?: { key?: { prefix?: unknown } } } | undefined;
  if (rawTriggers.length !== 1 || trigger['triggerType'] !== 'oss') report(`${fn.name}: needs one oss trigger`);
  if (trigger['sourceArn'] !== wanted.sourceArn) report(`${fn.name}: the trigger's sourceArn must be ${wanted.sourceArn}`);
  if (trigger['invocationRole'] !== wanted.invocationRole)
    report(`${fn.name}: the trigger's invocationRole must be ${wanted.invocationRole}`);
  if (JSON.stringify(config?.events) !== JSON.stringify(fn.events)) report(`${fn.name}: the trigger's events must be its manifest's`);
  if (config?.filter?.key?.prefix !== `\${resources.${stackName}.output.${outputKeys.uploadFolder}}`) {
    report(`${fn.name}: the trigger's key prefix must be the stack's ${outputKeys.uploadFolder}`);
  }
  if (outputReferences(raw.props).length === 0) report(`${fn.name}: reads nothing of the stack, so s would not deploy it after the stack`);
}

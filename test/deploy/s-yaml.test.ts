/**
 * The deployment, checked before anyone touches the cloud: s.yaml rendered as `s` would render it, each
 * resource's props against the fc3 component's own schema, every variable against the config module, every
 * code folder and handler against the build.
 */
import Ajv from 'ajv';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { deployedFunctionName, deploymentConfig, functionRolePolicy } from '../../deploy/policies';
import { isHttpFunction, type OssFunctionManifest } from '../../functions/manifest';
import { FUNCTIONS } from '../../functions/registry';
import {
  ASSUME_ROLE_CALLS_PER_SECOND_PER_INSTANCE,
  ASSUME_ROLE_MAX_WAIT_MS,
  STS_ASSUME_ROLE_QUOTA_PER_SECOND,
  STS_TOKEN_ASSUME_ROLE_BUDGET_PER_SECOND,
} from '../../functions/sts-token/assume-role-pace';
import { loadConfig } from '../../shared/config/sections';
import { CONFIG_VARIABLES } from '../../shared/config/variables';

const root = join(__dirname, '..', '..');
const schemaPath = join(root, 'deploy', 'vendor', 'fc3-props.schema.json');
const raw = readFileSync(join(root, 's.yaml'), 'utf8');

/** What a deployer exports (README "Deploy"); values only for rendering, never deployed. */
const sampleEnv: Record<string, string> = {
  OSS_BUCKET: 'my-uploads',
  OSS_REGION: 'cn-hangzhou',
  ALLOWED_ORIGINS: 'https://app.example.com',
  AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
  AUTH_ISSUER: 'https://idp.example.com/',
  AUTH_AUDIENCE: 'uploads',
  USER_HASH_SECRET: 'a-user-hash-secret-of-at-least-32-bytes',
  STS_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-upload',
  SIGN_URL_FUNCTION_ROLE_ARN: 'acs:ram::1234567890123456:role/fc-sign-url',
  STS_TOKEN_FUNCTION_ROLE_ARN: 'acs:ram::1234567890123456:role/fc-sts-token',
  UPLOAD_COMPLETED_FUNCTION_ROLE_ARN: 'acs:ram::1234567890123456:role/fc-upload-completed',
  UPLOAD_COMPLETED_TRIGGER_ROLE_ARN: 'acs:ram::1234567890123456:role/oss-invoke-upload-completed',
  UPLOAD_WEBHOOK_URL: 'https://app.example.com/hooks/uploads',
  UPLOAD_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
};
/** What `${config('AccountID')}` renders to: the account of the deployer's access. */
const ACCOUNT_ID = '1234567890123456';

interface Resource {
  component: string;
  actions?: Record<string, Array<{ run: string; path: string }>>;
  props: Record<string, unknown>;
}

/** `${env('X')}`, `${env('X', 'default')}`, `${vars.x}` and `${config('AccountID')}`, the magic variables s.yaml uses. */
function render(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{vars\.([A-Za-z0-9_]+)\}$/.exec(value);
    if (whole?.[1] !== undefined) return vars[whole[1]];
    return value
      .replace(/\$\{vars\.([A-Za-z0-9_]+)\}/g, (_match, name: string) => String(vars[name]))
      .replace(/\$\{config\('AccountID'\)\}/g, ACCOUNT_ID)
      .replace(/\$\{env\('([A-Z0-9_]+)'(?:, '([^']*)')?\)\}/g, (_match, name: string, fallback: string | undefined) => {
        if (fallback !== undefined) return sampleEnv[name] || fallback; // an empty value also falls back (FACTS §7)
        if (!(name in sampleEnv)) throw new Error(`s.yaml reads ${name}, which the deploy guide does not list`);
        return sampleEnv[name]!;
      });
  }
  if (Array.isArray(value)) return value.map((item) => render(item, vars));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, vars)]));
  return value;
}

const document = parse(raw) as { edition: string; name: string; vars: Record<string, unknown>; resources: Record<string, Resource> };
const vars = render(document.vars, {}) as Record<string, unknown>;
const resources = render(document.resources, vars) as Record<string, Resource>;
const functionNames = FUNCTIONS.map((fn) => fn.name);
const manifest = (name: string): (typeof FUNCTIONS)[number] => FUNCTIONS.find((fn) => fn.name === name)!;
const httpFunctions = FUNCTIONS.filter(isHttpFunction);
const httpNames = httpFunctions.map((fn) => fn.name);
const ossFunctions = FUNCTIONS.filter((fn): fn is OssFunctionManifest => fn.trigger === 'oss');
const schema = existsSync(schemaPath)
  ? (JSON.parse(readFileSync(schemaPath, 'utf8')) as { definitions: Record<string, object> })
  : undefined;

test('the registry lists every function folder, and only those', () => {
  const folders = readdirSync(join(root, 'functions'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, 'functions', entry.name, 'index.ts')))
    .map((entry) => entry.name);
  expect([...functionNames].sort()).toEqual(folders.sort());
});

test('edition 3.0.0 with one fc3 resource per function', () => {
  expect(document.edition).toBe('3.0.0');
  expect(Object.keys(resources).sort()).toEqual([...functionNames].sort());
  for (const resource of Object.values(resources)) expect(resource.component).toBe('fc3');
});

test.each(functionNames)('%s: props validate against the fc3 component schema', (name) => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
  const valid = validate(resources[name]!.props);
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
});

test.each(functionNames)('%s: deployed under its FC name, with its own role', (name) => {
  expect(resources[name]!.props).toMatchObject({ functionName: deployedFunctionName(name), role: sampleEnv[manifest(name).roleVariable] });
});

test.each(httpNames)('%s: nodejs20, the built bundle, a small memory size, an anonymous trigger of its methods, a role, logs', (name) => {
  const props = resources[name]!.props;
  // The methods the function's definition accepts, and OPTIONS for the preflight the edge answers.
  const methods = [...(httpFunctions.find((fn) => fn.name === name)!.create().methods ?? ['POST']), 'OPTIONS'];
  expect(props).toMatchObject({
    runtime: 'nodejs20',
    code: `./dist/${name}`,
    handler: 'index.handler',
    memorySize: 128,
    logConfig: 'auto',
    role: sampleEnv[manifest(name).roleVariable],
    triggers: [{ triggerName: 'http', triggerType: 'http', triggerConfig: { authType: 'anonymous', methods } }],
  });
  expect(resources[name]!.actions?.['pre-deploy']?.[0]?.run).toContain('npm run build');
});

test('sts-token is also reachable by GET (the mobile SDKs fetch credentials so); sign-url stays POST-only', () => {
  const triggerMethods = (name: string): unknown =>
    (resources[name]!.props['triggers'] as Array<{ triggerConfig: { methods: unknown } }>)[0]!.triggerConfig.methods;
  expect(triggerMethods('sts-token')).toEqual(['GET', 'POST', 'OPTIONS']);
  expect(triggerMethods('sign-url')).toEqual(['POST', 'OPTIONS']);
});

test.each(ossFunctions.map((fn) => fn.name))(
  '%s: nodejs20, the built bundle, an OSS trigger on the folder before {user}, its invocation role, FC retries',
  (name) => {
    const fn = ossFunctions.find((candidate) => candidate.name === name)!;
    const props = resources[name]!.props;
    const environment = props['environmentVariables'] as Record<string, string>;
    const before = (environment['UPLOAD_PREFIX'] ?? 'users/{user}/').split('{user}')[0];
    expect(props).toMatchObject({
      runtime: 'nodejs20',
      code: `./dist/${name}`,
      handler: 'index.handler',
      memorySize: 128,
      logConfig: 'auto',
      asyncInvokeConfig: { maxAsyncRetryAttempts: 3 },
      triggers: [
        {
          triggerType: 'oss',
          sourceArn: `acs:oss:cn-hangzhou:${ACCOUNT_ID}:${sampleEnv['OSS_BUCKET']}`,
          invocationRole: sampleEnv[fn.triggerRoleVariable],
          triggerConfig: { events: [...fn.events], filter: { key: { prefix: before, suffix: '' } } },
        },
      ],
    });
    expect(resources[name]!.actions?.['pre-deploy']?.[0]?.run).toContain('npm run build');
    expect(props['timeout']).toBeGreaterThan(4 * 5); // four OSS calls and a webhook, 5 s each at most
  },
);

const ossSchemaTest = schema === undefined ? test.skip : test;
// The trigger's `triggerConfig` is an anyOf that a bare object also satisfies: check it against the OSS shape itself.
ossSchemaTest.each(ossFunctions.map((fn) => fn.name))('%s: the OSS trigger config validates against the fc3 OSS trigger schema', (name) => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile({ ...schema!.definitions['IOssTriggerConfig'], definitions: schema!.definitions });
  const triggers = resources[name]!.props['triggers'] as Array<{ triggerConfig: unknown }>;
  expect(validate(triggers[0]!.triggerConfig)).toBe(true);
  expect(validate({ events: ['oss:ObjectCreated:Everything'], filter: { key: { prefix: 'users/', suffix: '' } } })).toBe(false);
});

test('every function judges by the same rules: the rule variables are equal wherever they are set', () => {
  for (const variable of [
    'UPLOAD_PREFIX',
    'MAX_UPLOAD_BYTES',
    'ALLOWED_CONTENT_TYPES',
    'OSS_BUCKET',
    'OSS_REGION',
    'USER_SEGMENT',
    'USER_HASH_SECRET',
  ]) {
    const values = new Set(
      functionNames
        .map((name) => (resources[name]!.props['environmentVariables'] as Record<string, string>)[variable])
        .filter((value) => value !== undefined),
    );
    expect([variable, values.size <= 1]).toEqual([variable, true]);
  }
});

test.each(functionNames)(
  '%s: every variable is one the config module reads, the required ones are there, and the rendered set loads',
  (name) => {
    const environment = resources[name]!.props['environmentVariables'] as Record<string, string>;
    for (const variable of Object.keys(environment)) expect(CONFIG_VARIABLES).toContain(variable);
    const fn = manifest(name);
    const required = isHttpFunction(fn) ? ['OSS_BUCKET', 'OSS_REGION', 'ALLOWED_ORIGINS', 'STS_ROLE_ARN'] : ['OSS_BUCKET', 'OSS_REGION'];
    for (const variable of required) expect(environment).toHaveProperty(variable);
    if (isHttpFunction(fn)) expect('AUTH_JWT_SECRET' in environment || 'AUTH_JWKS_URL' in environment).toBe(true);
    // Only the function that signs webhooks holds the webhook secret.
    expect('UPLOAD_WEBHOOK_SECRET' in environment).toBe(!isHttpFunction(fn));
    const loaded = loadConfig(environment, manifest(name).create().config);
    expect(loaded.ok ? [] : loaded.problems).toEqual([]);
    expect(JSON.stringify(environment).length).toBeLessThan(4096); // FC's limit on all variables together
  },
);

/** The functions whose role may call AssumeRole: each one's calls count against the account's quota. */
const assumingRole = functionNames.filter((name) => {
  const config = loadConfig(sampleEnv, deploymentConfig);
  if (!config.ok) throw new Error(config.problems.join('; '));
  const roles = { uploadRoleArn: sampleEnv['STS_ROLE_ARN']!, functionRoleArns: {} };
  return functionRolePolicy(manifest(name), config.config, roles).Statement.some(
    (statement) => statement.Effect === 'Allow' && statement.Action.includes('sts:AssumeRole'),
  );
});

test('sts-token is the one function that calls AssumeRole (the cap below is about it)', () => {
  expect(assumingRole).toEqual(['sts-token']);
});

test.each(assumingRole)("%s: instance cap × per-instance AssumeRole pace stays within its share of STS's 100 calls/s", (name) => {
  const props = resources[name]!.props;
  const cap = (props['concurrencyConfig'] as { reservedConcurrency?: unknown } | undefined)?.reservedConcurrency;
  if (typeof cap !== 'number') throw new Error(`${name} needs concurrencyConfig.reservedConcurrency in s.yaml`);
  expect(Number.isInteger(cap) && cap >= 1).toBe(true);
  // The arithmetic of README "sts-token": 16 instances × 5 calls/s = 80 ≤ 80 < 100.
  expect(cap * ASSUME_ROLE_CALLS_PER_SECOND_PER_INSTANCE).toBeLessThanOrEqual(STS_TOKEN_ASSUME_ROLE_BUDGET_PER_SECOND);
  expect(STS_TOKEN_ASSUME_ROLE_BUDGET_PER_SECOND).toBeLessThan(STS_ASSUME_ROLE_QUOTA_PER_SECOND);
  // FC lets one function reserve at most 90% of the account's instances (100 per region by default).
  expect(cap).toBeLessThanOrEqual(90);
  // A request may wait its turn and then wait for STS: FC's timeout must leave room for both.
  const environment = props['environmentVariables'] as Record<string, string>;
  const stsTimeoutMs = Number(environment['STS_TIMEOUT_MS'] ?? '3000');
  expect((props['timeout'] as number) * 1000).toBeGreaterThan(ASSUME_ROLE_MAX_WAIT_MS + stsTimeoutMs);
});

test("no secret literal: secrets only ever come from the deployer's environment", () => {
  const literalEnvironment = {
    ...((document.vars['environment'] ?? {}) as Record<string, string>),
    ...((document.vars['uploadCompletedEnvironment'] ?? {}) as Record<string, string>),
  };
  for (const name of [
    'AUTH_JWT_SECRET',
    'UPLOAD_WEBHOOK_SECRET',
    'USER_HASH_SECRET',
    'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    'ALIBABA_CLOUD_SECURITY_TOKEN',
    'ALIBABA_CLOUD_ACCESS_KEY_ID',
  ]) {
    if (name in literalEnvironment) expect(literalEnvironment[name]).toMatch(/^\$\{env\('[A-Z0-9_]+'(, '')?\)\}$/);
  }
  expect(raw).not.toMatch(/LTAI[0-9A-Za-z]{8,}|AccessKeySecret\s*:/);
});

test.each(functionNames)('%s: the code folder and handler exist after npm run build', (name) => {
  const bundle = join(root, 'dist', name, 'index.js');
  expect(existsSync(bundle)).toBe(true);
  // Loaded with the rendered environment, as FC would: a valid configuration writes nothing at cold start.
  const environment = resources[name]!.props['environmentVariables'] as Record<string, string>;
  const kind = execFileSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(bundle)}).handler)`], {
    env: { PATH: process.env['PATH'] ?? '', ...environment },
    encoding: 'utf8',
  });
  expect(kind).toBe('function');
});

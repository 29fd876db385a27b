/**
 * The deployment's configuration, checked before anyone touches the cloud: s.yaml rendered as `s` renders it, with
 * the stack's outputs; every variable of the configuration table reaching every function that reads it (built from
 * the table and the registry, so a variable dropped, hard-coded or misspelt fails); what a deployed function gets
 * equal to what `npm start` gives it for the same variables; roles only from the stack.
 */
import Ajv from 'ajv';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PREVIEW_ACCOUNT, runCheck } from '../../deploy/check';
import { environmentBlockProblems, LOCAL_ONLY_VARIABLES, parseSYaml, variablesReadBy } from '../../deploy/s-yaml';
import { isHttpFunction, type OssFunctionManifest } from '../../functions/manifest';
import { FUNCTIONS } from '../../functions/registry';
import {
  ASSUME_ROLE_CALLS_PER_SECOND_PER_INSTANCE,
  ASSUME_ROLE_MAX_WAIT_MS,
  STS_ASSUME_ROLE_QUOTA_PER_SECOND,
  STS_TOKEN_ASSUME_ROLE_BUDGET_PER_SECOND,
} from '../../functions/sts-token/assume-role-pace';
import { embeddedEnvironment } from '../../local/embedded-env';
import { loadConfig } from '../../shared/config/sections';
import { CONFIG_VARIABLES, type VariableName } from '../../shared/config/variables';

const root = join(__dirname, '..', '..');
const sYaml = readFileSync(join(root, 's.yaml'), 'utf8');
const fc3Schema = JSON.parse(readFileSync(join(root, 'deploy', 'vendor', 'fc3-props.schema.json'), 'utf8')) as {
  definitions: Record<string, object>;
};

/** What a deployer exports (docs/deploy.md); values only for rendering, never deployed. */
const jwksEnv: Record<string, string> = {
  OSS_BUCKET: 'my-uploads',
  OSS_REGION: 'cn-hangzhou',
  ALLOWED_ORIGINS: 'https://app.example.com',
  AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
  AUTH_ISSUER: 'https://idp.example.com/',
  AUTH_AUDIENCE: 'uploads',
  USER_HASH_SECRET: 'a-user-hash-secret-of-at-least-32-bytes',
  UPLOAD_WEBHOOK_URL: 'https://app.example.com/hooks/uploads',
  UPLOAD_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
};
const hs256Env: Record<string, string> = {
  OSS_BUCKET: 'my-uploads',
  OSS_REGION: 'cn-hangzhou',
  ALLOWED_ORIGINS: 'https://app.example.com',
  AUTH_JWT_SECRET: 'an-hs256-secret-of-at-least-32-bytes-long',
  AUTH_ISSUER: 'https://auth.example.com/',
  AUTH_AUDIENCE: 'uploads',
};

const check = (env: Record<string, string>, yaml = sYaml): ReturnType<typeof runCheck> => runCheck({ env, sYaml: yaml, fc3Schema });
const document = parseSYaml(sYaml);
const functionNames = FUNCTIONS.map((fn) => fn.name);
const ossFunctions = FUNCTIONS.filter((fn): fn is OssFunctionManifest => fn.trigger === 'oss');

test('the registry lists every function folder, and only those', () => {
  const folders = readdirSync(join(root, 'functions'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, 'functions', entry.name, 'index.ts')))
    .map((entry) => entry.name);
  expect([...functionNames].sort()).toEqual(folders.sort());
});

test.each([
  ['JWKS', jwksEnv],
  ['HS256', hs256Env],
])("with the deploy guide's %s variables, the whole check passes: template, s.yaml, fc3 schema, every configuration", (_auth, env) => {
  const result = check(env);
  expect(result.problems).toEqual([]);
  expect(Object.keys(result.environments).sort()).toEqual([...functionNames].sort());
});

test('edition 3.0.0: one ros stack, then one fc3 resource per function, each reading the stack (so s deploys it after)', () => {
  expect(document.edition).toBe('3.0.0');
  const components = Object.fromEntries(Object.entries(document.resources).map(([name, resource]) => [name, resource.component]));
  expect(components).toEqual({ 'upload-stack': 'ros', ...Object.fromEntries(functionNames.map((name) => [name, 'fc3'])) });
  for (const name of functionNames) expect(JSON.stringify(document.resources[name]!.props)).toContain('${resources.upload-stack.output.');
});

test('no role ARN is a variable any more: every role is an output of the stack', () => {
  expect(sYaml).not.toMatch(/ROLE_ARN'/);
  for (const fn of FUNCTIONS) {
    expect(document.resources[fn.name]!.props['role']).toMatch(/^\$\{resources\.upload-stack\.output\.[A-Za-z]+FunctionRoleArn\}$/);
  }
});

describe('every variable of the configuration table reaches every function that reads it', () => {
  const block = (name: string): Record<string, unknown> => {
    const reference = /^\$\{vars\.([A-Za-z]+)\}$/.exec(String(document.resources[name]!.props['environmentVariables']));
    return document.vars[reference![1]!] as Record<string, unknown>;
  };

  test.each(functionNames)('%s: exactly the variables its configuration reads, each from the variable of its own name', (name) => {
    const fn = FUNCTIONS.find((candidate) => candidate.name === name)!;
    const reads = variablesReadBy(fn.create().config, jwksEnv);
    const expected = [...reads].filter((variable) => !LOCAL_ONLY_VARIABLES.includes(variable)).sort();
    expect(Object.keys(block(name)).sort()).toEqual(expected);
    expect(environmentBlockProblems(name, block(name), reads, 'upload-stack')).toEqual([]);
  });

  test('the table has no variable that no function reads, and none is left out of the deployment but the local signer', () => {
    const readSomewhere = new Set(FUNCTIONS.flatMap((fn) => [...variablesReadBy(fn.create().config, jwksEnv)]));
    expect(CONFIG_VARIABLES.filter((variable) => !readSomewhere.has(variable))).toEqual([]);
    const deployed = new Set(functionNames.flatMap((name) => Object.keys(block(name))));
    expect(CONFIG_VARIABLES.filter((variable) => !deployed.has(variable))).toEqual([...LOCAL_ONLY_VARIABLES]);
  });

  const mutate = (change: (text: string) => string): string[] => {
    const mutated = change(sYaml);
    expect(mutated).not.toBe(sYaml); // the mutation applies
    return check(jwksEnv, mutated).problems;
  };

  test('a variable dropped is named', () => {
    const problems = mutate((text) => text.replace("    ALLOWED_CONTENT_TYPES: ${env('ALLOWED_CONTENT_TYPES', '')}\n", ''));
    expect(problems).toContain('sign-url: reads ALLOWED_CONTENT_TYPES, which s.yaml does not pass to it');
  });

  test('a value hard-coded is named', () => {
    const problems = mutate((text) => text.replace("MAX_UPLOAD_BYTES: ${env('MAX_UPLOAD_BYTES', '')}", "MAX_UPLOAD_BYTES: '104857600'"));
    expect(problems).toContain(`sign-url: MAX_UPLOAD_BYTES must be \${env('MAX_UPLOAD_BYTES', '')} (found "104857600")`);
  });

  test('a misspelt name is named, on either side', () => {
    const key = mutate((text) =>
      text.replace("    SIGNATURE_VERSION: ${env('SIGNATURE_VERSION', '')}", "    SIGNATURE_VERSON: ${env('SIGNATURE_VERSION', '')}"),
    );
    expect(key).toEqual(
      expect.arrayContaining([
        'sign-url: reads SIGNATURE_VERSION, which s.yaml does not pass to it',
        'sign-url: s.yaml passes SIGNATURE_VERSON, which no function reads (misspelt?)',
      ]),
    );
    const source = mutate((text) => text.replace("USER_SEGMENT: ${env('USER_SEGMENT', '')}", "USER_SEGMENT: ${env('USER_SEGMNT', '')}"));
    expect(source).toContain(`sign-url: USER_SEGMENT must be \${env('USER_SEGMENT', '')} (found "\${env('USER_SEGMNT', '')}")`);
  });

  test('a variable passed to a function that does not read it is named (upload-completed alone holds the webhook secret)', () => {
    const problems = mutate((text) =>
      text.replace(
        "    OSS_TIMEOUT_MS: ${env('OSS_TIMEOUT_MS', '')}\n  stsTokenEnvironment:",
        "    OSS_TIMEOUT_MS: ${env('OSS_TIMEOUT_MS', '')}\n    UPLOAD_WEBHOOK_SECRET: ${env('UPLOAD_WEBHOOK_SECRET', '')}\n  stsTokenEnvironment:",
      ),
    );
    expect(problems).toContain('sign-url: s.yaml passes UPLOAD_WEBHOOK_SECRET, which sign-url does not read');
  });

  test('a role taken from a variable again is named', () => {
    const problems = mutate((text) =>
      text.replace('role: ${resources.upload-stack.output.SignUrlFunctionRoleArn}', "role: ${env('SIGN_URL_FUNCTION_ROLE_ARN')}"),
    );
    expect(problems).toEqual(expect.arrayContaining(['sign-url: role must be ${resources.upload-stack.output.SignUrlFunctionRoleArn}']));
  });

  test('an output the stack does not have is named', () => {
    const problems = mutate((text) => text.replace('output.UploadFolder}', 'output.UploadFolders}'));
    expect(problems).toContain('s.yaml reads output UploadFolders of upload-stack, which the stack does not have');
  });
});

test('what works with npm start works deployed: the same variables give each function the same configuration', () => {
  const tunables = {
    ALLOWED_CONTENT_TYPES: 'image/png,application/pdf',
    MAX_UPLOAD_BYTES: '2048',
    SIGNED_URL_TTL_SECONDS: '120',
    SIGNATURE_VERSION: 'v1',
    UPLOAD_PREFIX: 'tenants/{user}/files/',
    USER_SEGMENT: 'opaque',
    AUTH_TOKEN_TYPE: 'at+jwt',
    STS_DURATION_SECONDS: '1800',
    QUARANTINE_PREFIX: 'held/',
  };
  const deployed = check({ ...jwksEnv, ...tunables });
  expect(deployed.problems).toEqual([]);
  const local = embeddedEnvironment({ ...jwksEnv, ...tunables }, ['http://127.0.0.1:9000']).env;
  for (const fn of FUNCTIONS) {
    const inCloud = loadConfig(deployed.environments[fn.name]!, fn.create().config);
    const atHome = loadConfig({ ...local, OSS_ENDPOINT: 'http://127.0.0.1:9100', STS_ENDPOINT: '127.0.0.1:9200' }, fn.create().config);
    if (!inCloud.ok || !atHome.ok) throw new Error(`${fn.name}: ${JSON.stringify([inCloud, atHome])}`);
    const rules = (config: unknown): unknown => {
      const { allowedContentTypes, maxUploadBytes, signedUrlTtlSeconds, uploadPrefix } = config as Record<string, unknown>;
      const users = (config as { users?: { segment: unknown } }).users?.segment;
      return { allowedContentTypes, maxUploadBytes, signedUrlTtlSeconds, uploadPrefix, users };
    };
    expect([fn.name, rules(inCloud.config)]).toEqual([fn.name, rules(atHome.config)]);
    expect(rules(inCloud.config)).toMatchObject({ maxUploadBytes: 2048, allowedContentTypes: ['image/png', 'application/pdf'] });
  }
});

test('the check names a missing required variable and a bad one, and writes no plan then', () => {
  const { OSS_REGION: _region, ...withoutRegion } = jwksEnv;
  const missing = check(withoutRegion);
  expect(missing.problems).toContain('OSS_REGION is required');
  expect(missing.plan).toBe('');
  expect(check({ ...jwksEnv, MAX_UPLOAD_BYTES: 'lots' }).problems).toContain('MAX_UPLOAD_BYTES must be a whole number, got "lots"');
  // A variable only the functions read is found by loading each function's configuration, as at cold start.
  expect(check({ ...jwksEnv, AUTH_TOKEN_TYPE: 'not a type' }).problems).toEqual([
    'sign-url would not start: AUTH_TOKEN_TYPE must be a media type such as at+jwt or JWT',
    'sts-token would not start: AUTH_TOKEN_TYPE must be a media type such as at+jwt or JWT',
  ]);
  expect(check({ ...jwksEnv, CREATE_BUCKET: 'maybe' }).problems).toContain(
    'CREATE_BUCKET must be true (the stack creates the bucket) or false (the bucket exists), got "maybe"',
  );
  // A JWKS gives no key the instances share: sign-url's multipart upload handles need USER_HASH_SECRET.
  const { USER_HASH_SECRET: _hashSecret, ...withoutHashSecret } = jwksEnv;
  expect(check(withoutHashSecret).problems).toEqual([
    'sign-url would not start: AUTH_JWKS_URL needs USER_HASH_SECRET (at least 32 bytes, e.g. openssl rand -base64 32): sign-url signs ' +
      'multipart upload handles with it, a key every instance must share (changing it later makes unfinished multipart uploads start over)',
  ]);
  // Both ways of authenticating at once: every HTTP function says so.
  expect(check({ ...jwksEnv, AUTH_JWT_SECRET: hs256Env['AUTH_JWT_SECRET']! }).problems).toEqual(
    expect.arrayContaining(['sign-url would not start: set only one of AUTH_JWT_SECRET and AUTH_JWKS_URL']),
  );
});

test('the plan says what will be created, and never a secret', () => {
  const result = check({ ...jwksEnv, CREATE_BUCKET: 'false' });
  expect(result.plan).toContain('ROS stack oss-upload in cn-hangzhou');
  expect(result.plan).toContain('- oss-upload-sts-upload: trusted by the role oss-upload-sts-token only');
  expect(result.plan).toContain('Bucket my-uploads: exists (CREATE_BUCKET=false); never deleted by s remove');
  expect(result.plan).toContain('2. After the stack, through the OSS API');
  expect(result.plan).toContain('USER_HASH_SECRET=(secret, set)');
  expect(result.plan).toContain('STS_ROLE_ARN=acs:ram::<account>:role/oss-upload-sts-upload');
  for (const secret of [jwksEnv['USER_HASH_SECRET']!, jwksEnv['UPLOAD_WEBHOOK_SECRET']!, PREVIEW_ACCOUNT, '/hooks/uploads']) {
    expect(result.plan).not.toContain(secret);
  }
});

test('an fc3 prop the component does not accept fails against its own schema', () => {
  const problems = check(
    jwksEnv,
    sYaml.replace(
      'memorySize: 128\n      timeout: 10\n      role: ${resources.upload-stack.output.SignUrlFunctionRoleArn}',
      'memorySize: "lots"\n      timeout: 10\n      role: ${resources.upload-stack.output.SignUrlFunctionRoleArn}',
    ),
  ).problems;
  expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^sign-url: props\/memorySize .*\(fc3 schema\)$/)]));
});

const rendered = check(jwksEnv);
const triggersOf = (name: string): Array<Record<string, unknown>> => {
  const { resources } = { resources: parseSYaml(sYaml).resources };
  return resources[name]!.props['triggers'] as Array<Record<string, unknown>>;
};

test('sts-token is also reachable by GET (the mobile SDKs fetch credentials so); sign-url stays POST-only', () => {
  const methods = (name: string): unknown => (triggersOf(name)[0]!['triggerConfig'] as { methods: unknown }).methods;
  expect(methods('sts-token')).toEqual(['GET', 'POST', 'OPTIONS']);
  expect(methods('sign-url')).toEqual(['POST', 'OPTIONS']);
});

test.each(ossFunctions.map((fn) => fn.name))(
  '%s: the OSS trigger config validates against the fc3 OSS trigger schema; FC retries; time for its calls',
  (name) => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile({ ...fc3Schema.definitions['IOssTriggerConfig'], definitions: fc3Schema.definitions });
    const config = { ...(triggersOf(name)[0]!['triggerConfig'] as object), filter: { key: { prefix: 'users/', suffix: '' } } };
    expect(validate(config)).toBe(true);
    expect(validate({ events: ['oss:ObjectCreated:Everything'], filter: { key: { prefix: 'users/', suffix: '' } } })).toBe(false);
    const props = document.resources[name]!.props;
    expect(props['asyncInvokeConfig']).toMatchObject({ maxAsyncRetryAttempts: 3 });
    expect(props['timeout']).toBeGreaterThan(4 * 5); // four OSS calls and a webhook, 5 s each at most
  },
);

/** The functions whose role may call AssumeRole: each one's calls count against the account's quota. */
const assumingRole = FUNCTIONS.filter((fn) => fn.permissions.allow.some((grant) => grant.actions.includes('sts:AssumeRole'))).map(
  (fn) => fn.name,
);

test('sts-token is the one function that calls AssumeRole (the cap below is about it)', () => {
  expect(assumingRole).toEqual(['sts-token']);
});

test.each(assumingRole)("%s: instance cap × per-instance AssumeRole pace stays within its share of STS's 100 calls/s", (name) => {
  const props = document.resources[name]!.props;
  const cap = (props['concurrencyConfig'] as { reservedConcurrency?: unknown } | undefined)?.reservedConcurrency;
  if (typeof cap !== 'number') throw new Error(`${name} needs concurrencyConfig.reservedConcurrency in s.yaml`);
  // The arithmetic of docs/api.md, "sts-token": 16 instances × 5 calls/s = 80 ≤ 80 < 100.
  expect(cap * ASSUME_ROLE_CALLS_PER_SECOND_PER_INSTANCE).toBeLessThanOrEqual(STS_TOKEN_ASSUME_ROLE_BUDGET_PER_SECOND);
  expect(STS_TOKEN_ASSUME_ROLE_BUDGET_PER_SECOND).toBeLessThan(STS_ASSUME_ROLE_QUOTA_PER_SECOND);
  // FC lets one function reserve at most 90% of the account's instances (100 per region by default).
  expect(cap).toBeLessThanOrEqual(90);
  // A request may wait its turn and then wait for STS: FC's timeout must leave room for both (the default, and the bound).
  expect((props['timeout'] as number) * 1000).toBeGreaterThan(ASSUME_ROLE_MAX_WAIT_MS + 3000);
});

test("no secret literal: secrets only ever come from the deployer's environment", () => {
  const secrets: VariableName[] = ['AUTH_JWT_SECRET', 'UPLOAD_WEBHOOK_SECRET', 'USER_HASH_SECRET'];
  for (const value of Object.values(document.vars)) {
    if (typeof value !== 'object' || value === null) continue;
    for (const name of secrets) if (name in value) expect((value as Record<string, string>)[name]).toBe(`\${env('${name}', '')}`);
  }
  expect(sYaml).not.toMatch(/LTAI[0-9A-Za-z]{8,}|AccessKeySecret\s*:/);
  expect(readFileSync(join(root, '.gitignore'), 'utf8').split('\n')).toContain('.env');
});

test.each(functionNames)('%s: the code folder exists after npm run build, and loads with the rendered environment', (name) => {
  const bundle = join(root, 'dist', name, 'index.js');
  expect(existsSync(bundle)).toBe(true);
  // As FC would: a valid configuration writes nothing at cold start.
  const environment = Object.fromEntries(Object.entries(rendered.environments[name]!).filter(([, value]) => value !== ''));
  expect(isHttpFunction(FUNCTIONS.find((fn) => fn.name === name)!) || 'UPLOAD_WEBHOOK_SECRET' in environment).toBe(true);
  const kind = execFileSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(bundle)}).handler)`], {
    env: { PATH: process.env['PATH'] ?? '', ...environment },
    encoding: 'utf8',
  });
  expect(kind).toBe('function');
});

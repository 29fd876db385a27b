/** `npm run policies`: every artifact a deployer creates, compared exactly, and the command itself. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { deploymentConfig, deploymentPolicies, type DeploymentConfig } from '../../deploy/policies';
import { FUNCTIONS } from '../../functions/registry';
import { loadConfig } from '../../shared/config/sections';
import { sessionPolicyFor } from '../../shared/upload/session-policy';
import { configFrom, problemsFrom } from '../support/env';

const ACCOUNT = '1234567890123456';
const arns = {
  uploadRoleArn: `acs:ram::${ACCOUNT}:role/oss-upload`,
  signUrlFunctionRoleArn: `acs:ram::${ACCOUNT}:role/fc-sign-url`,
  stsTokenFunctionRoleArn: `acs:ram::${ACCOUNT}:role/fc-sts-token`,
  uploadCompletedFunctionRoleArn: `acs:ram::${ACCOUNT}:role/fc-upload-completed`,
  uploadCompletedTriggerRoleArn: `acs:ram::${ACCOUNT}:role/oss-invoke-upload-completed`,
};
const roles = {
  uploadRoleArn: arns.uploadRoleArn,
  functionRoleArns: {
    'sign-url': arns.signUrlFunctionRoleArn,
    'sts-token': arns.stsTokenFunctionRoleArn,
    'upload-completed': arns.uploadCompletedFunctionRoleArn,
  },
  triggerRoleArns: { 'upload-completed': arns.uploadCompletedTriggerRoleArn },
  functionArns: {
    'sign-url': `acs:fc:cn-hangzhou:${ACCOUNT}:functions/oss-upload-sign-url`,
    'sts-token': `acs:fc:cn-hangzhou:${ACCOUNT}:functions/oss-upload-sts-token`,
    'upload-completed': `acs:fc:cn-hangzhou:${ACCOUNT}:functions/oss-upload-upload-completed`,
  },
};

function config(overrides: Record<string, string> = {}): DeploymentConfig {
  return configFrom(deploymentConfig, {
    STS_ROLE_ARN: arns.uploadRoleArn,
    ALLOWED_ORIGINS: 'https://app.example.com,https://admin.example.com',
    ...overrides,
  });
}

test('each policy, exactly', () => {
  expect(deploymentPolicies(config(), roles, FUNCTIONS)).toEqual({
    uploadRole: {
      arn: roles.uploadRoleArn,
      trustPolicy: {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [arns.stsTokenFunctionRoleArn] } }],
      },
      permissionPolicy: {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'],
            Resource: ['acs:oss:*:*:uploads-bucket/users/*/sts/*'],
          },
          {
            Effect: 'Deny',
            Action: ['oss:PutObject'],
            Resource: ['acs:oss:*:*:uploads-bucket/users/*/sts/*'],
            Condition: { StringEqualsIgnoreCase: { 'oss:x-oss-object-acl': ['public-read', 'public-read-write'] } },
          },
        ],
      },
      maxSessionDurationSeconds: 3600,
    },
    stsTokenFunctionRole: {
      arn: arns.stsTokenFunctionRoleArn,
      trustPolicy: {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['fc.aliyuncs.com'] } }],
      },
      permissionPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [roles.uploadRoleArn] }] },
    },
    signUrlFunctionRole: {
      arn: arns.signUrlFunctionRoleArn,
      trustPolicy: {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['fc.aliyuncs.com'] } }],
      },
      permissionPolicy: {
        Version: '1',
        // Its own multipart uploads: PutObject (initiate, parts, complete), plus exactly listing and aborting parts,
        // and counting a user's unfinished uploads (an action on the bucket). VERDICT: upload-completed's records, and
        // whether the key exists by listing it (confined to the users' folder), never by reading the users' objects.
        Statement: [
          {
            Effect: 'Allow',
            Action: ['oss:PutObject', 'oss:ListParts', 'oss:AbortMultipartUpload'],
            Resource: ['acs:oss:*:*:uploads-bucket/users/*'],
          },
          { Effect: 'Allow', Action: ['oss:ListMultipartUploads'], Resource: ['acs:oss:*:*:uploads-bucket'] },
          { Effect: 'Allow', Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:uploads-bucket/upload-verdicts/*'] },
          {
            Effect: 'Allow',
            Action: ['oss:ListObjects'],
            Resource: ['acs:oss:*:*:uploads-bucket'],
            Condition: { StringLike: { 'oss:Prefix': ['users/*'] } },
          },
          {
            Effect: 'Deny',
            Action: ['oss:PutObject'],
            Resource: ['acs:oss:*:*:uploads-bucket/users/*'],
            Condition: { StringEqualsIgnoreCase: { 'oss:x-oss-object-acl': ['public-read', 'public-read-write'] } },
          },
        ],
      },
    },
    uploadCompletedFunctionRole: {
      arn: arns.uploadCompletedFunctionRoleArn,
      trustPolicy: {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['fc.aliyuncs.com'] } }],
      },
      // HEAD and ranged GET, and delete, in the users' folder; its verdict records; nothing else (no quarantine configured).
      permissionPolicy: {
        Version: '1',
        Statement: [
          { Effect: 'Allow', Action: ['oss:GetObject', 'oss:DeleteObject'], Resource: ['acs:oss:*:*:uploads-bucket/users/*'] },
          { Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject'], Resource: ['acs:oss:*:*:uploads-bucket/upload-verdicts/*'] },
        ],
      },
    },
    uploadCompletedTriggerRole: {
      arn: arns.uploadCompletedTriggerRoleArn,
      trustPolicy: {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['oss.aliyuncs.com'] } }],
      },
      permissionPolicy: {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['fc:InvokeFunction'],
            Resource: [`acs:fc:cn-hangzhou:${ACCOUNT}:functions/oss-upload-upload-completed`],
          },
        ],
      },
    },
    bucketCors: {
      rule: {
        allowedOrigins: ['https://app.example.com', 'https://admin.example.com'],
        allowedMethods: ['PUT', 'POST', 'GET', 'HEAD'],
        allowedHeaders: ['*'],
        exposeHeaders: ['ETag', 'Location', 'x-oss-request-id'],
        maxAgeSeconds: 600,
      },
      xml:
        '<?xml version="1.0" encoding="UTF-8"?>\n<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example.com</AllowedOrigin><AllowedOrigin>https://admin.example.com</AllowedOrigin>' +
        '<AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader>' +
        '<ExposeHeader>ETag</ExposeHeader><ExposeHeader>Location</ExposeHeader><ExposeHeader>x-oss-request-id</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule><ResponseVary>true</ResponseVary></CORSConfiguration>',
    },
    bucketLifecycle: {
      abortIncompleteMultipartUploadsAfterDays: 3,
      prefix: 'users/',
      verdictRecordsExpireAfterDays: 1,
      verdictPrefix: 'upload-verdicts/',
      xml:
        '<?xml version="1.0" encoding="UTF-8"?>\n<LifecycleConfiguration><Rule><ID>abort-incomplete-multipart-uploads</ID><Prefix>users/</Prefix><Status>Enabled</Status><AbortMultipartUpload><Days>3</Days></AbortMultipartUpload></Rule>' +
        '<Rule><ID>expire-upload-verdicts</ID><Prefix>upload-verdicts/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>',
    },
    bucketOverwriteProtection: {
      rule: { id: 'forbid-overwrite-user-uploads', action: 'forbid', prefix: 'users/' },
      xml: '<?xml version="1.0" encoding="UTF-8"?>\n<OverwriteConfiguration><Rule><ID>forbid-overwrite-user-uploads</ID><Action>forbid</Action><Prefix>users/</Prefix></Rule></OverwriteConfiguration>',
    },
  });
});

test("the upload role allows exactly the session policy actions, over every user's STS folder and no more", () => {
  const cfg = config({ UPLOAD_PREFIX: 'tenant/{user}/files/' });
  const policies = deploymentPolicies(cfg, roles, FUNCTIONS) as {
    uploadRole: { permissionPolicy: { Statement: Array<{ Action: string[]; Resource: string[] }> } };
    bucketOverwriteProtection: { rule: { prefix: string } };
  };
  const session = sessionPolicyFor({ bucket: cfg.bucket, prefix: 'tenant/alice/files/' });
  expect(policies.uploadRole.permissionPolicy.Statement[0]!.Action).toEqual(session.Statement[0]!.Action);
  expect(policies.uploadRole.permissionPolicy.Statement[0]!.Resource).toEqual(['acs:oss:*:*:uploads-bucket/tenant/*/files/sts/*']);
  expect(session.Statement[0]!.Resource).toEqual(['acs:oss:*:*:uploads-bucket/tenant/alice/files/sts/*']);
  // Overwrite protection covers every user's whole prefix, both folders: a literal prefix cannot skip {user}.
  expect(policies.bucketOverwriteProtection.rule.prefix).toBe('tenant/');
});

test('with QUARANTINE_PREFIX, upload-completed may also write (and read back) there, and nowhere else', () => {
  const policies = deploymentPolicies(config({ QUARANTINE_PREFIX: 'quarantine/' }), roles, FUNCTIONS) as {
    uploadCompletedFunctionRole: { permissionPolicy: unknown };
  };
  expect(policies.uploadCompletedFunctionRole.permissionPolicy).toEqual({
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: ['oss:GetObject', 'oss:DeleteObject'], Resource: ['acs:oss:*:*:uploads-bucket/users/*'] },
      { Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject'], Resource: ['acs:oss:*:*:uploads-bucket/quarantine/*'] },
      { Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject'], Resource: ['acs:oss:*:*:uploads-bucket/upload-verdicts/*'] },
    ],
  });
});

test("VERDICT_PREFIX moves the records, which sign-url reads and upload-completed writes; it must stay out of the users' folder", () => {
  const policies = deploymentPolicies(config({ VERDICT_PREFIX: 'app/verdicts/' }), roles, FUNCTIONS) as Record<
    string,
    { permissionPolicy: { Statement: Array<{ Action: string[]; Resource: string[] }> } }
  >;
  const onRecords = (role: string): string[][] =>
    policies[role]!.permissionPolicy.Statement.filter((statement) =>
      statement.Resource.includes('acs:oss:*:*:uploads-bucket/app/verdicts/*'),
    ).map((statement) => statement.Action);
  expect(onRecords('signUrlFunctionRole')).toEqual([['oss:GetObject']]);
  expect(onRecords('uploadCompletedFunctionRole')).toEqual([['oss:PutObject', 'oss:GetObject']]);
  expect(onRecords('stsTokenFunctionRole')).toEqual([]);
  expect(problemsFrom(deploymentConfig, { VERDICT_PREFIX: 'users/verdicts/' })).toEqual([
    "VERDICT_PREFIX must lie outside UPLOAD_PREFIX's folder users/, and not contain it",
  ]);
  expect(problemsFrom(deploymentConfig, { QUARANTINE_PREFIX: 'upload-verdicts/held/' })).toEqual([
    'QUARANTINE_PREFIX and VERDICT_PREFIX (upload-verdicts/) must be separate folders: verdict records expire after a day',
  ]);
  expect(problemsFrom(deploymentConfig, { VERDICT_PREFIX: '/verdicts' })).toEqual([
    'VERDICT_PREFIX must be a folder like upload-verdicts/: letters, digits and !_.()=,;:@+- between single slashes, ending in /',
  ]);
});

test('every function role under a nested UPLOAD_PREFIX with a quarantine, exactly: resources follow the configuration', () => {
  const policies = deploymentPolicies(config({ UPLOAD_PREFIX: 'tenant/{user}/files/', QUARANTINE_PREFIX: 'held/' }), roles, FUNCTIONS);
  const permissions = Object.fromEntries(
    ['signUrlFunctionRole', 'stsTokenFunctionRole', 'uploadCompletedFunctionRole'].map((key) => [
      key,
      (policies[key] as { permissionPolicy: unknown }).permissionPolicy,
    ]),
  );
  const publicAcl = { StringEqualsIgnoreCase: { 'oss:x-oss-object-acl': ['public-read', 'public-read-write'] } };
  expect(permissions).toEqual({
    // Every user's prefix is everything under the folder before {user}: the part after it cannot narrow a wildcard.
    signUrlFunctionRole: {
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['oss:PutObject', 'oss:ListParts', 'oss:AbortMultipartUpload'],
          Resource: ['acs:oss:*:*:uploads-bucket/tenant/*'],
        },
        { Effect: 'Allow', Action: ['oss:ListMultipartUploads'], Resource: ['acs:oss:*:*:uploads-bucket'] },
        { Effect: 'Allow', Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:uploads-bucket/upload-verdicts/*'] },
        {
          Effect: 'Allow',
          Action: ['oss:ListObjects'],
          Resource: ['acs:oss:*:*:uploads-bucket'],
          Condition: { StringLike: { 'oss:Prefix': ['tenant/*'] } },
        },
        { Effect: 'Deny', Action: ['oss:PutObject'], Resource: ['acs:oss:*:*:uploads-bucket/tenant/*'], Condition: publicAcl },
      ],
    },
    stsTokenFunctionRole: { Version: '1', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [arns.uploadRoleArn] }] },
    uploadCompletedFunctionRole: {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: ['oss:GetObject', 'oss:DeleteObject'], Resource: ['acs:oss:*:*:uploads-bucket/tenant/*'] },
        { Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject'], Resource: ['acs:oss:*:*:uploads-bucket/held/*'] },
        { Effect: 'Allow', Action: ['oss:PutObject', 'oss:GetObject'], Resource: ['acs:oss:*:*:uploads-bucket/upload-verdicts/*'] },
      ],
    },
  });
});

test('no wildcard origin ever, even with no ALLOWED_ORIGINS', () => {
  const policies = deploymentPolicies(config({ ALLOWED_ORIGINS: '' }), roles, FUNCTIONS) as {
    bucketCors: { rule: { allowedOrigins: string[] } };
  };
  expect(policies.bucketCors.rule.allowedOrigins).toEqual([]);
});

describe('npm run policies', () => {
  const script = join(__dirname, '..', '..', 'dist', 'tools', 'policies.js');

  test("with no configuration, prints the local stack's policies as JSON", () => {
    const output = execFileSync(process.execPath, [script], {
      env: { PATH: process.env['PATH'] ?? '' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const printed = JSON.parse(output) as { uploadRole: { arn: string }; bucketCors: { rule: { allowedOrigins: string[] } } };
    expect(printed.uploadRole.arn).toBe('acs:ram::1000000000000001:role/oss-upload');
    expect(printed.bucketCors.rule.allowedOrigins).toEqual(['http://127.0.0.1:9000', 'http://localhost:9000']);
  });

  test('with a deployment configuration, prints the policies of the roles the stack creates; a bad variable is named', () => {
    const env = {
      PATH: process.env['PATH'] ?? '',
      OSS_BUCKET: 'my-uploads',
      OSS_REGION: 'cn-shanghai',
      ALLOWED_ORIGINS: 'https://app.example.com',
      DEPLOY_NAME: 'uploads-staging',
    };
    const printed = JSON.parse(execFileSync(process.execPath, [script], { env, encoding: 'utf8' })) as Record<string, unknown>;
    const loaded = loadConfig(env, deploymentConfig);
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));
    const account = '${ALIYUN::AccountId}';
    // The whole document: what the library builds for this configuration, with the roles the stack names.
    expect(printed).toEqual(
      JSON.parse(
        JSON.stringify(
          deploymentPolicies(
            loaded.config,
            {
              uploadRoleArn: `acs:ram::${account}:role/uploads-staging-sts-upload`,
              functionRoleArns: {
                'sign-url': `acs:ram::${account}:role/uploads-staging-sign-url`,
                'sts-token': `acs:ram::${account}:role/uploads-staging-sts-token`,
                'upload-completed': `acs:ram::${account}:role/uploads-staging-upload-completed`,
              },
              triggerRoleArns: { 'upload-completed': `acs:ram::${account}:role/uploads-staging-upload-completed-trigger` },
              functionArns: {
                'sign-url': `acs:fc:cn-shanghai:${account}:functions/uploads-staging-sign-url`,
                'sts-token': `acs:fc:cn-shanghai:${account}:functions/uploads-staging-sts-token`,
                'upload-completed': `acs:fc:cn-shanghai:${account}:functions/uploads-staging-upload-completed`,
              },
            },
            FUNCTIONS,
          ),
        ),
      ),
    );
    expect((printed['uploadCompletedTriggerRole'] as { permissionPolicy: unknown }).permissionPolicy).toEqual({
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['fc:InvokeFunction'],
          Resource: [`acs:fc:cn-shanghai:${account}:functions/uploads-staging-upload-completed`],
        },
      ],
    });
    let stderr = '';
    try {
      execFileSync(process.execPath, [script], {
        env: { ...env, DEPLOY_NAME: 'Uploads_Staging' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      stderr = String((error as { stderr?: unknown }).stderr);
    }
    expect(stderr).toContain('DEPLOY_NAME must be');
  });
});

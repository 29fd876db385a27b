/**
 * The ROS template: every role, trust and policy the deployment needs, built by the same functions as `npm run
 * policies` (one source); the bucket created or existing; and the checker that holds it to ROS's resource
 * reference and to least privilege, proven to find what it must.
 */
import { readDeployOptions } from '../../deploy/deployment';
import { leastPrivilegeProblems } from '../../deploy/least-privilege';
import { deploymentConfig, deploymentPolicies, type DeploymentConfig } from '../../deploy/policies';
import { previewValue, templateProblems } from '../../deploy/ros-check';
import { rosTemplate, stackRoles, type RosTemplate } from '../../deploy/ros-template';
import { deploymentNames } from '../../deploy/deployment';
import { FUNCTIONS } from '../../functions/registry';
import { configFrom } from '../support/env';

function build(overrides: Record<string, string> = {}): {
  template: RosTemplate;
  config: DeploymentConfig;
  options: ReturnType<typeof readDeployOptions>;
} {
  const config = configFrom(deploymentConfig, { OSS_BUCKET: 'my-uploads', ALLOWED_ORIGINS: 'https://app.example.com', ...overrides });
  const options = readDeployOptions(overrides, (problem) => {
    throw new Error(problem);
  });
  return { template: rosTemplate({ config, options, functions: FUNCTIONS }), config, options };
}

const problemsOf = ({ template, config, options }: ReturnType<typeof build>): string[] => [
  ...templateProblems(template),
  ...leastPrivilegeProblems(template, { config, options, functions: FUNCTIONS }),
];

const fcTrust = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['fc.aliyuncs.com'] } }] };
const sub = (value: string): object => ({ 'Fn::Sub': value });

test('every role, with its trust and exactly its policy', () => {
  const { template } = build();
  const roles = Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'ALIYUN::RAM::Role')
      .map(([id, resource]) => [id, resource.Properties]),
  );
  expect(Object.keys(roles)).toEqual([
    'SignUrlFunctionRole',
    'StsTokenFunctionRole',
    'UploadCompletedFunctionRole',
    'UploadRole',
    'UploadCompletedTriggerRole',
  ]);
  expect(roles['StsTokenFunctionRole']).toMatchObject({
    RoleName: 'oss-upload-sts-token',
    AssumeRolePolicyDocument: fcTrust,
    Policies: [
      {
        PolicyName: 'oss-upload-sts-token-policy',
        PolicyDocument: {
          Version: '1',
          Statement: [
            { Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [sub('acs:ram::${ALIYUN::AccountId}:role/oss-upload-sts-upload')] },
          ],
        },
      },
    ],
  });
  // The upload role: trusted by sts-token's role only (by GetAtt, so that role exists first), sessions as long as vended.
  expect(roles['UploadRole']).toMatchObject({
    RoleName: 'oss-upload-sts-upload',
    MaxSessionDuration: 3600,
    AssumeRolePolicyDocument: {
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [{ 'Fn::GetAtt': ['StsTokenFunctionRole', 'Arn'] }] } }],
    },
  });
  expect(roles['UploadCompletedTriggerRole']).toEqual({
    RoleName: 'oss-upload-upload-completed-trigger',
    Description: 'Assumed by OSS to invoke oss-upload-upload-completed, and nothing else',
    AssumeRolePolicyDocument: {
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['oss.aliyuncs.com'] } }],
    },
    Policies: [
      {
        PolicyName: 'oss-upload-upload-completed-trigger-policy',
        PolicyDocument: {
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['fc:InvokeFunction'],
              Resource: [sub('acs:fc:cn-hangzhou:${ALIYUN::AccountId}:functions/oss-upload-upload-completed')],
            },
          ],
        },
      },
    ],
  });
  for (const id of ['SignUrlFunctionRole', 'UploadCompletedFunctionRole']) expect(roles[id]!['AssumeRolePolicyDocument']).toEqual(fcTrust);
});

test('one source with npm run policies: each role policy in the template is the one deploymentPolicies prints', () => {
  const { template, config, options } = build({ QUARANTINE_PREFIX: 'held/', UPLOAD_PREFIX: 'tenants/{user}/files/' });
  const roles = stackRoles({ config, functions: FUNCTIONS }, deploymentNames(options.deployName));
  const printed = deploymentPolicies(config, roles, FUNCTIONS) as Record<
    string,
    { permissionPolicy: { Statement: Array<{ Resource: string[] }> } }
  >;
  const inTemplate = (id: string): unknown => {
    const policies = template.Resources[id]!.Properties['Policies'] as Array<{
      PolicyDocument: { Statement: Array<{ Resource: unknown[] }> };
    }>;
    // The template spells ARNs out under Fn::Sub: read them back as text.
    return policies[0]!.PolicyDocument.Statement.map((statement) => ({
      ...statement,
      Resource: statement.Resource.map((resource) =>
        typeof resource === 'string' ? resource : (resource as { 'Fn::Sub': string })['Fn::Sub'],
      ),
    }));
  };
  for (const [key, id] of [
    ['signUrlFunctionRole', 'SignUrlFunctionRole'],
    ['stsTokenFunctionRole', 'StsTokenFunctionRole'],
    ['uploadCompletedFunctionRole', 'UploadCompletedFunctionRole'],
    ['uploadRole', 'UploadRole'],
    ['uploadCompletedTriggerRole', 'UploadCompletedTriggerRole'],
  ] as const) {
    expect([id, inTemplate(id)]).toEqual([id, printed[key]!.permissionPolicy.Statement]);
  }
  expect(problemsOf({ template, config, options })).toEqual([]);
});

test('a bucket it creates: private, public access blocked, CORS, lifecycle, overwrite protection; kept when the stack goes', () => {
  const { template } = build();
  expect(template.Resources['Bucket']).toEqual({
    Type: 'ALIYUN::OSS::Bucket',
    Properties: {
      BucketName: 'my-uploads',
      AccessControl: 'private',
      BlockPublicAccess: true,
      DeletionForce: false,
      CORSConfiguration: {
        CORSRule: [
          {
            AllowedOrigin: ['https://app.example.com'],
            AllowedMethod: ['PUT', 'POST', 'GET', 'HEAD'],
            AllowedHeader: ['*'],
            ExposeHeader: ['ETag', 'Location', 'x-oss-request-id'],
            MaxAgeSeconds: 600,
          },
        ],
        ResponseVary: true,
      },
      LifecycleConfiguration: {
        Rule: [
          { ID: 'abort-incomplete-multipart-uploads', Prefix: 'users/', Status: 'Enabled', AbortMultipartUpload: { Days: 3 } },
          // upload-completed's verdict records, once the uploader has had time to ask.
          { ID: 'expire-upload-verdicts', Prefix: 'upload-verdicts/', Status: 'Enabled', Expiration: { Days: 1 } },
        ],
      },
    },
    DeletionPolicy: 'Retain',
  });
  expect(template.Resources['BucketOverwriteConfig']).toEqual({
    Type: 'ALIYUN::OSS::BucketOverwriteConfig',
    Properties: {
      Bucket: { 'Fn::GetAtt': ['Bucket', 'Name'] },
      Rule: [{ Id: 'forbid-overwrite-user-uploads', Action: 'forbid', Prefix: 'users/' }],
    },
  });
  expect(template.Resources['BucketPublicAccessBlock']).toBeUndefined();
});

test('an existing bucket: never a Bucket resource (so never deleted), public access blocked and overwrite protection by name', () => {
  const built = build({ CREATE_BUCKET: 'false' });
  expect(built.template.Resources['Bucket']).toBeUndefined();
  expect(built.template.Resources['BucketPublicAccessBlock']).toEqual({
    Type: 'ALIYUN::OSS::BucketPublicAccessBlock',
    Properties: { Bucket: 'my-uploads', BlockPublicAccess: true },
  });
  expect(built.template.Resources['BucketOverwriteConfig']!.Properties['Bucket']).toBe('my-uploads');
  expect(problemsOf(built)).toEqual([]);
});

test('no origins, no CORS rule (OSS refuses one without origins); still a valid template', () => {
  const built = build({ ALLOWED_ORIGINS: '' });
  expect(built.template.Resources['Bucket']!.Properties['CORSConfiguration']).toBeUndefined();
  expect(problemsOf(built)).toEqual([]);
});

test('outputs: the roles, the bucket, the trigger source and folder, as s.yaml reads them; no role ARN comes from a variable', () => {
  const { template } = build({ DEPLOY_NAME: 'uploads-prod' });
  expect(Object.keys(template)).not.toContain('Parameters');
  const preview = Object.fromEntries(
    Object.entries(template.Outputs).map(([key, output]) => [
      key,
      previewValue(template, output.Value, { account: '42', region: 'cn-hangzhou' }),
    ]),
  );
  expect(preview).toEqual({
    SignUrlFunctionRoleArn: 'acs:ram::42:role/uploads-prod-sign-url',
    StsTokenFunctionRoleArn: 'acs:ram::42:role/uploads-prod-sts-token',
    UploadCompletedFunctionRoleArn: 'acs:ram::42:role/uploads-prod-upload-completed',
    UploadRoleArn: 'acs:ram::42:role/uploads-prod-sts-upload',
    UploadCompletedTriggerRoleArn: 'acs:ram::42:role/uploads-prod-upload-completed-trigger',
    BucketName: 'my-uploads',
    UploadFolder: 'users/',
    BucketSourceArn: 'acs:oss:cn-hangzhou:42:my-uploads',
  });
  // The functions start after the stack, and the stack completes only after the roles had time to propagate.
  expect(template.Resources['RolePropagation']).toMatchObject({
    Type: 'ALIYUN::ROS::Sleep',
    DependsOn: expect.arrayContaining(['UploadRole']),
  });
});

describe('the checker finds what it must', () => {
  const broken = (change: (template: RosTemplate) => void): string[] => {
    const built = build();
    const template = JSON.parse(JSON.stringify(built.template)) as RosTemplate;
    change(template);
    return problemsOf({ ...built, template });
  };

  test.each<[string, (template: RosTemplate) => void, string]>([
    [
      'an unknown type',
      (t) => void (t.Resources['Bucket']!.Type = 'ALIYUN::OSS::Buckets'),
      'Bucket: resource type ALIYUN::OSS::Buckets is not one this check knows',
    ],
    [
      'a required property missing',
      (t) => void delete t.Resources['UploadRole']!.Properties['RoleName'],
      'UploadRole: ALIYUN::RAM::Role requires RoleName',
    ],
    [
      'a misspelt property',
      (t) => void (t.Resources['Bucket']!.Properties['CorsConfiguration'] = {}),
      'Bucket: ALIYUN::OSS::Bucket has no property CorsConfiguration',
    ],
    [
      'an attribute the type lacks',
      (t) => void (t.Outputs['UploadRoleArn']!.Value = { 'Fn::GetAtt': ['UploadRole', 'ARN'] }),
      'Outputs.UploadRoleArn: ALIYUN::RAM::Role has no attribute ARN (it has Arn, RoleId, RoleName)',
    ],
    [
      'a reference to nothing',
      (t) => void (t.Resources['RolePropagation']!.DependsOn = ['Nothing']),
      'RolePropagation: DependsOn Nothing, which is not a resource',
    ],
    [
      'an output named as the component names its own',
      (t) => void (t.Outputs['stackId'] = { Description: '', Value: 'x' }),
      "Outputs: stackId is the ros component's own output name",
    ],
    [
      'a session longer than RAM allows',
      (t) => void (t.Resources['UploadRole']!.Properties['MaxSessionDuration'] = 100),
      'UploadRole.MaxSessionDuration: must be a whole number 3600 … 43200',
    ],
    [
      'a public bucket ACL',
      (t) => void (t.Resources['Bucket']!.Properties['AccessControl'] = 'public-reads'),
      'Bucket.AccessControl: must be one of private, public-read, public-read-write',
    ],
  ])('%s', (_what, change, problem) => {
    expect(broken(change)).toContain(problem);
  });

  test('a cycle between resources', () => {
    const problems = broken((t) => void (t.Resources['UploadRole']!.DependsOn = ['RolePropagation']));
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^template: resources depend on each other in a cycle: /)]));
  });

  const statementsOf = (t: RosTemplate, id: string): Array<Record<string, unknown>> =>
    (t.Resources[id]!.Properties['Policies'] as Array<{ PolicyDocument: { Statement: Array<Record<string, unknown>> } }>)[0]!.PolicyDocument
      .Statement;

  test.each<[string, (template: RosTemplate) => void, string]>([
    [
      'every action of a service',
      (t) => void (statementsOf(t, 'SignUrlFunctionRole')[0]!['Action'] = ['oss:*']),
      'SignUrlFunctionRole: a statement grants every action (oss:*)',
    ],
    [
      'every resource',
      (t) => void (statementsOf(t, 'UploadCompletedFunctionRole')[0]!['Resource'] = ['*']),
      'UploadCompletedFunctionRole: a statement applies to every resource',
    ],
    [
      'the whole bucket',
      (t) => void (statementsOf(t, 'UploadCompletedFunctionRole')[0]!['Resource'] = ['acs:oss:*:*:my-uploads/*']),
      "UploadCompletedFunctionRole: allows OSS actions on acs:oss:*:*:my-uploads/*, outside the upload prefix, the quarantine and the verdicts' folder",
    ],
    [
      'a grant the manifest does not ask for',
      (t) =>
        void statementsOf(t, 'StsTokenFunctionRole').push({
          Effect: 'Allow',
          Action: ['oss:GetObject'],
          Resource: ['acs:oss:*:*:my-uploads/users/*'],
        }),
      "StsTokenFunctionRole: its policy is not exactly what sts-token's manifest asks for",
    ],
    [
      'a function role trusted by more than FC',
      (t) =>
        void ((
          t.Resources['SignUrlFunctionRole']!.Properties['AssumeRolePolicyDocument'] as { Statement: Array<{ Principal: object }> }
        ).Statement[0]!.Principal = {
          Service: ['fc.aliyuncs.com', 'ecs.aliyuncs.com'],
        }),
      'SignUrlFunctionRole: must be trusted by Function Compute only',
    ],
    [
      'the upload role trusted by another role',
      (t) =>
        void ((
          t.Resources['UploadRole']!.Properties['AssumeRolePolicyDocument'] as { Statement: Array<{ Principal: object }> }
        ).Statement[0]!.Principal = {
          RAM: [{ 'Fn::GetAtt': ['SignUrlFunctionRole', 'Arn'] }],
        }),
      'UploadRole: must be trusted by exactly the roles allowed to assume it (RAM {"Fn::GetAtt":["StsTokenFunctionRole","Arn"]})',
    ],
    [
      'a trigger role that may invoke any function',
      (t) =>
        void (statementsOf(t, 'UploadCompletedTriggerRole')[0]!['Resource'] = [
          { 'Fn::Sub': 'acs:fc:cn-hangzhou:${ALIYUN::AccountId}:functions/*' },
        ]),
      'UploadCompletedTriggerRole: may only invoke acs:fc:cn-hangzhou:${ALIYUN::AccountId}:functions/oss-upload-upload-completed',
    ],
  ])('least privilege: %s', (_what, change, problem) => {
    expect(broken(change)).toContain(problem);
  });
});

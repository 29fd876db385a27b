/**
 * What a profiles file changes in the deployment (`npm run policies` and the ROS template, one source): the upload
 * role's folders are each STS profile's; the usage records, and listing the users' folders to sts-token and
 * upload-completed, are granted only with a quota (sign-url lists in every deployment, for VERDICT); the overwrite rule binds the upload role's sessions only when a profile has a fixed key. Without a file,
 * nothing changes: test/deploy/policies.test.ts and ros-template.test.ts compare that case exactly.
 */
import { readDeployOptions } from '../../deploy/deployment';
import { leastPrivilegeProblems } from '../../deploy/least-privilege';
import { overwriteConfigurationXml } from '../../deploy/overwrite-protection';
import { deploymentConfig, deploymentPolicies, type DeploymentConfig, type DeploymentRoles } from '../../deploy/policies';
import { templateProblems } from '../../deploy/ros-check';
import { rosTemplate } from '../../deploy/ros-template';
import { FUNCTIONS } from '../../functions/registry';
import { loadConfig } from '../../shared/config/sections';
import type { PolicyDocument } from '../../shared/upload/session-policy';
import { baseEnv } from '../support/env';

const ACCOUNT = '1234567890123456';
const roles: DeploymentRoles = {
  uploadRoleArn: `acs:ram::${ACCOUNT}:role/oss-upload`,
  functionRoleArns: Object.fromEntries(FUNCTIONS.map((fn) => [fn.name, `acs:ram::${ACCOUNT}:role/fc-${fn.name}`])),
  triggerRoleArns: { 'upload-completed': `acs:ram::${ACCOUNT}:role/oss-invoke-upload-completed` },
  functionArns: Object.fromEntries(FUNCTIONS.map((fn) => [fn.name, `acs:fc:cn-hangzhou:${ACCOUNT}:functions/oss-upload-${fn.name}`])),
};

const AVATAR = { contentTypes: ['image/png'], maxBytes: 100_000, key: 'fixed' };
const DOCUMENTS = { contentTypes: ['application/pdf'], maxBytes: 1_000_000, methods: ['PUT', 'STS'], maxObjectsPerUser: 20 };
const VIDEOS = { contentTypes: ['video/mp4'], maxBytes: 1_000_000_000, methods: ['MULTIPART', 'STS'] };

function config(document: object): DeploymentConfig {
  const loaded = loadConfig({ ...baseEnv(), STS_ROLE_ARN: roles.uploadRoleArn, OSS_BUCKET: 'my-uploads' }, deploymentConfig, {
    name: 'upload-profiles.json',
    document,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  return loaded.config;
}

const policiesOf = (
  document: object,
): Record<string, { permissionPolicy: PolicyDocument }> & { bucketOverwriteProtection: { rule: object; xml: string } } =>
  deploymentPolicies(config(document), roles, FUNCTIONS) as never;

test("the upload role writes each STS profile's sts/ folder of every user, and nothing else", () => {
  const policy = policiesOf({ avatar: AVATAR, documents: DOCUMENTS, videos: VIDEOS })['uploadRole']!.permissionPolicy;
  const folders = ['acs:oss:*:*:my-uploads/users/*/documents/sts/*', 'acs:oss:*:*:my-uploads/users/*/videos/sts/*'];
  expect(policy.Statement[0]).toEqual({
    Effect: 'Allow',
    Action: ['oss:PutObject', 'oss:AbortMultipartUpload', 'oss:ListParts'],
    Resource: folders,
  });
  expect(policy.Statement[1]).toMatchObject({ Effect: 'Deny', Resource: folders });
});

test('no profile allows STS: the upload role may do nothing at all', () => {
  expect(policiesOf({ avatar: AVATAR })['uploadRole']!.permissionPolicy).toEqual({
    Version: '1',
    Statement: [{ Effect: 'Deny', Action: ['oss:*'], Resource: ['*'] }],
  });
});

test("with a quota: each function may list the users' folders only (oss:Prefix), grants read the usage records, upload-completed writes them", () => {
  const policies = policiesOf({ documents: DOCUMENTS });
  const listing = {
    Effect: 'Allow',
    Action: ['oss:ListObjects'],
    Resource: ['acs:oss:*:*:my-uploads'],
    Condition: { StringLike: { 'oss:Prefix': ['users/*'] } },
  };
  const records = 'acs:oss:*:*:my-uploads/users.usage/*';
  const statements = (name: string): PolicyDocument['Statement'] => policies[name]!.permissionPolicy.Statement;
  // Once each: sign-url's listing for VERDICT is the one its quota counts with.
  for (const name of ['signUrlFunctionRole', 'stsTokenFunctionRole', 'uploadCompletedFunctionRole'])
    expect(statements(name).filter((statement) => statement.Action.includes('oss:ListObjects'))).toEqual([listing]);
  expect(statements('signUrlFunctionRole')).toContainEqual({ Effect: 'Allow', Action: ['oss:GetObject'], Resource: [records] });
  expect(statements('stsTokenFunctionRole')).toContainEqual({ Effect: 'Allow', Action: ['oss:GetObject'], Resource: [records] });
  expect(statements('uploadCompletedFunctionRole')).toContainEqual({ Effect: 'Allow', Action: ['oss:PutObject'], Resource: [records] });
});

test("without a quota: no usage records in any role, and only sign-url lists (VERDICT's one key, in the users' folders)", () => {
  const policies = policiesOf({ avatar: AVATAR, videos: VIDEOS });
  expect(JSON.stringify(policies)).not.toContain('users.usage');
  const listing = (name: string): PolicyDocument['Statement'] =>
    policies[name]!.permissionPolicy.Statement.filter((statement) => statement.Action.includes('oss:ListObjects'));
  expect(listing('signUrlFunctionRole')).toEqual([
    {
      Effect: 'Allow',
      Action: ['oss:ListObjects'],
      Resource: ['acs:oss:*:*:my-uploads'],
      Condition: { StringLike: { 'oss:Prefix': ['users/*'] } },
    },
  ]);
  expect(listing('stsTokenFunctionRole')).toEqual([]);
  expect(listing('uploadCompletedFunctionRole')).toEqual([]);
});

test('with a fixed key: the overwrite rule binds every session of the upload role, and them only', () => {
  const { rule, xml } = policiesOf({ avatar: AVATAR, documents: DOCUMENTS }).bucketOverwriteProtection;
  expect(rule).toEqual({
    id: 'forbid-overwrite-user-uploads',
    action: 'forbid',
    prefix: 'users/',
    principals: [`arn:sts::${ACCOUNT}:assumed-role/oss-upload/*`],
  });
  expect(xml).toBe(overwriteConfigurationXml([rule as never]));
  expect(xml).toBe(
    '<?xml version="1.0" encoding="UTF-8"?>\n<OverwriteConfiguration><Rule><ID>forbid-overwrite-user-uploads</ID><Action>forbid</Action>' +
      `<Prefix>users/</Prefix><Principals><Principal>arn:sts::${ACCOUNT}:assumed-role/oss-upload/*</Principal></Principals></Rule></OverwriteConfiguration>`,
  );
  // Without one, the rule binds everyone, as without a profiles file.
  expect(policiesOf({ documents: DOCUMENTS }).bucketOverwriteProtection.rule).toEqual({
    id: 'forbid-overwrite-user-uploads',
    action: 'forbid',
    prefix: 'users/',
  });
});

test('the ROS template carries the same: the Principals of the overwrite rule (the account left to ROS), the grants; it passes its checks', () => {
  const cfg = config({ avatar: AVATAR, documents: DOCUMENTS, videos: VIDEOS });
  const options = readDeployOptions({}, (problem) => {
    throw new Error(problem);
  });
  const template = rosTemplate({ config: cfg, options, functions: FUNCTIONS });
  expect(template.Resources['BucketOverwriteConfig']!.Properties['Rule']).toEqual([
    {
      Id: 'forbid-overwrite-user-uploads',
      Action: 'forbid',
      Prefix: 'users/',
      Principals: { Principal: [{ 'Fn::Sub': 'arn:sts::${ALIYUN::AccountId}:assumed-role/oss-upload-sts-upload/*' }] },
    },
  ]);
  expect(JSON.stringify(template.Resources['SignUrlFunctionRole'])).toContain('users.usage/*');
  expect([...templateProblems(template), ...leastPrivilegeProblems(template, { config: cfg, options, functions: FUNCTIONS })]).toEqual([]);
});

test("the least-privilege check finds a listing of the bucket not confined to the users' folder, and a wildcard allowed", () => {
  const cfg = config({ documents: DOCUMENTS });
  const options = readDeployOptions({}, (problem) => {
    throw new Error(problem);
  });
  const template = rosTemplate({ config: cfg, options, functions: FUNCTIONS });
  const role = template.Resources['SignUrlFunctionRole']!;
  const statements = (
    role.Properties['Policies'] as unknown as Array<{ PolicyDocument: { Statement: Array<Record<string, unknown>> } }>
  )[0]!.PolicyDocument.Statement;
  const listing = statements.find((statement) => JSON.stringify(statement['Action']) === '["oss:ListObjects"]')!;
  delete listing['Condition'];
  statements.push({ Effect: 'Allow', Action: ['oss:*'], Resource: ['*'] });
  expect(leastPrivilegeProblems(template, { config: cfg, options, functions: FUNCTIONS })).toEqual(
    expect.arrayContaining([
      "SignUrlFunctionRole: allows OSS actions on acs:oss:*:*:my-uploads, outside the upload prefix, the quarantine and the verdicts' folder",
      'SignUrlFunctionRole: a statement grants every action (oss:*)',
      'SignUrlFunctionRole: a statement applies to every resource',
    ]),
  );
});

// The bench's peer for sts-token, written the way Alibaba Cloud's samples are: the current STS SDK
// (@alicloud/sts20150401 on @alicloud/openapi-core) and jsonwebtoken, unbundled, with node_modules beside it. It does
// the same job on the same FC event: verify an HS256 token (issuer, audience), AssumeRole with a session policy
// confined to the user's prefix, answer the credentials.
'use strict';
const jwt = require('jsonwebtoken');
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const Sts = require('@alicloud/sts20150401');
const $dara = require('@darabonba/typescript');

exports.handler = async (event, context) => {
  const request = JSON.parse(event.toString());
  const authorization = request.headers.authorization || request.headers.Authorization || '';
  let claims;
  try {
    claims = jwt.verify(authorization.replace(/^Bearer\s+/i, ''), process.env.AUTH_JWT_SECRET, {
      algorithms: ['HS256'],
      issuer: process.env.AUTH_ISSUER,
      audience: process.env.AUTH_AUDIENCE,
    });
  } catch {
    return { statusCode: 401, headers: { 'content-type': 'application/json' }, body: '{"error":"unauthorized"}' };
  }
  const endpoint = process.env.STS_ENDPOINT;
  const config = new $OpenApiUtil.Config({
    accessKeyId: context.credentials.accessKeyId,
    accessKeySecret: context.credentials.accessKeySecret,
    securityToken: context.credentials.securityToken || undefined,
    endpoint,
    protocol: endpoint.startsWith('127.0.0.1') ? 'http' : 'https',
  });
  const client = new Sts.default(config);
  const prefix = `users/${encodeURIComponent(claims.sub)}/sts/`;
  const policy = JSON.stringify({
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: ['oss:PutObject'], Resource: [`acs:oss:*:*:${process.env.OSS_BUCKET}/${prefix}*`] }],
  });
  const response = await client.assumeRoleWithOptions(
    new Sts.AssumeRoleRequest({ roleArn: process.env.STS_ROLE_ARN, roleSessionName: 'upload', durationSeconds: 900, policy }),
    new $dara.RuntimeOptions({}),
  );
  const credentials = response.body.credentials;
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      stsToken: credentials.securityToken,
      expiration: credentials.expiration,
      bucket: process.env.OSS_BUCKET,
      region: `oss-${process.env.OSS_REGION}`,
      prefix,
    }),
  };
};

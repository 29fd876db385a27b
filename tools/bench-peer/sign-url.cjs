// The bench's peer for sign-url, written the way Alibaba Cloud's samples are: the full ali-oss client and
// jsonwebtoken, unbundled, with node_modules beside it. It does the same job on the same FC event: verify an HS256
// token (issuer, audience), choose a key under the user's prefix, answer a V4 presigned PUT URL.
'use strict';
const crypto = require('crypto');
const jwt = require('jsonwebtoken');
const OSS = require('ali-oss');

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
  const body = JSON.parse(request.isBase64Encoded ? Buffer.from(request.body, 'base64').toString() : request.body);
  const client = new OSS({
    region: `oss-${process.env.OSS_REGION}`,
    bucket: process.env.OSS_BUCKET,
    accessKeyId: context.credentials.accessKeyId,
    accessKeySecret: context.credentials.accessKeySecret,
    stsToken: context.credentials.securityToken || undefined,
    authorizationV4: true,
    secure: true,
  });
  const key = `users/${encodeURIComponent(claims.sub)}/${crypto.randomUUID()}.png`;
  const url = await client.signatureUrlV4('PUT', 300, { headers: { 'Content-Type': body.contentType } }, key);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url, key }) };
};

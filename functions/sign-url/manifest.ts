import { allowPolicy, allUsersPattern } from '../../deploy/policies';
import { objectResource } from '../../shared/upload/session-policy';
import { denyPublicObjectAcl } from '../../shared/upload/stored-object';
import type { FunctionManifest } from '../manifest';
import { signUrlFunction } from './sign-upload';

export const signUrlManifest: FunctionManifest = {
  name: 'sign-url',
  route: '/api/sign-url',
  roleVariable: 'SIGN_URL_FUNCTION_ROLE_ARN',
  // It only signs uploads, with its own role's keys, under every user's prefix; none of them can make an object public.
  rolePolicy: (config) => {
    const uploads = [objectResource(config.bucket, allUsersPattern(config))];
    const policy = allowPolicy(['oss:PutObject'], uploads);
    return { ...policy, Statement: [...policy.Statement, denyPublicObjectAcl(uploads)] };
  },
  create: () => signUrlFunction,
  exampleRequest: { filename: 'cat.png', contentType: 'image/png', size: 1000 },
};

import { allowPolicy, allUsersPattern } from '../../deploy/policies';
import { objectResource } from '../../shared/upload/session-policy';
import type { FunctionManifest } from '../manifest';
import { signUrlFunction } from './sign-upload';

export const signUrlManifest: FunctionManifest = {
  name: 'sign-url',
  route: '/api/sign-url',
  roleVariable: 'SIGN_URL_FUNCTION_ROLE_ARN',
  // It only signs uploads, with its own role's keys, under every user's prefix.
  rolePolicy: (config) => allowPolicy(['oss:PutObject'], [objectResource(config.bucket, allUsersPattern(config))]),
  create: () => signUrlFunction,
  exampleRequest: { filename: 'cat.png', contentType: 'image/png', size: 1000 },
};

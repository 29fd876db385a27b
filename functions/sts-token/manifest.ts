import type { FunctionManifest } from '../manifest';
import { createStsTokenFunction } from './vend-credentials';

export const stsTokenManifest: FunctionManifest = {
  name: 'sts-token',
  route: '/api/sts-token',
  // AssumeRole on the one upload role: the vended credentials carry the upload permissions. With a profile quota, it
  // reads the user's usage record, or lists the user's folder of the profile, before vending.
  permissions: {
    allow: [
      { actions: ['sts:AssumeRole'], resource: 'upload-role' },
      { actions: ['oss:ListObjects'], resource: 'quota-listing' },
      { actions: ['oss:GetObject'], resource: 'usage-records' },
    ],
  },
  create: () => createStsTokenFunction(),
  exampleRequest: {},
};

import type { FunctionManifest } from '../manifest';
import { createStsTokenFunction } from './vend-credentials';

export const stsTokenManifest: FunctionManifest = {
  name: 'sts-token',
  route: '/api/sts-token',
  // AssumeRole on the one upload role, and nothing else: the vended credentials carry the upload permissions.
  permissions: { allow: [{ actions: ['sts:AssumeRole'], resource: 'upload-role' }] },
  create: () => createStsTokenFunction(),
  exampleRequest: {},
};

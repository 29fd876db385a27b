/**
 * `sts-token`: POST with a bearer token; answers STS credentials confined to the caller's prefix and to upload
 * actions, cached per user inside the instance. The use case is `vend-credentials.ts`.
 */
import { createFcHandler } from '../../shared/edge/handler';
import { stsTokenFunction } from './vend-credentials';

// Built at cold start: the configuration and the worst-case session policy size are checked once per instance.
export const handler = createFcHandler(stsTokenFunction);

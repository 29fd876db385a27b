/**
 * `sts-token`: POST with a bearer token; answers STS credentials confined to the caller's prefix and to upload
 * actions, cached per user inside the instance. Everything that decides lives in shared/.
 */
import { createFcHandler } from '../../shared/http';
import { stsTokenFunction } from '../../shared/sts-token';

// Built at cold start: the configuration and the worst-case session policy size are checked once per instance.
export const handler = createFcHandler(stsTokenFunction);

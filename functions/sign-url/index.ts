/**
 * `sign-url`: POST with a bearer token and `{filename, contentType, size?, method?}`; answers a signed PUT URL
 * or POST form for one server-chosen key under the caller's prefix. The use case is `sign-upload.ts`.
 */
import { createFcHandler } from '../../shared/edge/handler';
import { signUrlFunction } from './sign-upload';

// Built at cold start: the configuration is parsed and checked once per instance.
export const handler = createFcHandler(signUrlFunction);

/**
 * `sign-url`: POST with a bearer token and `{filename, contentType, size?, method?}`; answers a signed PUT URL
 * or POST form for one server-chosen key under the caller's prefix. Everything that decides lives in shared/.
 */
import { createFcHandler } from '../../shared/http';
import { signUrlFunction } from '../../shared/sign-url';

// Built at cold start: the configuration is parsed and checked once per instance.
export const handler = createFcHandler(signUrlFunction);

/**
 * `upload-completed`: invoked asynchronously by an OSS trigger (ObjectCreated) with the event Buffer; judges each
 * new object in a user's prefix by the upload rules, removes what breaks them, and tells the app by a signed
 * webhook. The use case is `judge-upload.ts`.
 */
import { createFcEventHandler } from '../../shared/edge/event-handler';
import { uploadCompletedFunction } from './judge-upload';

// Built at cold start: the configuration is parsed and checked once per instance.
export const handler = createFcEventHandler(uploadCompletedFunction);

/**
 * Telling the application: one POST per verdict, signed by the Standard Webhooks specification (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`), so a receiver
 * verifies it with off-the-shelf code (the `standardwebhooks` package, in the tests). Signed with node:crypto, which
 * the bundle loads anyway: the package's pure-JS SHA-256 and base64 cost ~2.5 ms of a cold start (docs/internals.md,
 * "Dependencies").
 */
import { createHash, createHmac } from 'node:crypto';
import type { WebhookConfig } from '../config/sections';
import type { UploadWebhook } from '../contract';
import { httpRequest, HttpRequestFailure } from '../net/http-request';
import { normaliseEtag } from '../upload/etag';

/** A receiver that has not answered within this long has failed: FC retries the whole event. */
export const WEBHOOK_TIMEOUT_MS = 5000;

/** Stable per object version (bucket, key, ETag), so a receiver de-duplicates retries and repeated events. */
export function webhookIdFor(bucket: string, key: string, etag: string): string {
  const digest = createHash('sha256')
    .update(`${bucket}\n${key}\n${normaliseEtag(etag)}`)
    .digest('base64url');
  return `msg_${digest.slice(0, 32)}`;
}

/** The receiver did not take the delivery; the message names the status or the network failure, never the URL. */
export class WebhookFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookFailure';
  }
}

/**
 * The `webhook-signature` value: `v1,` + base64 of HMAC-SHA256(key, `<id>.<timestamp seconds>.<body>`), the
 * content as UTF-8. The id and timestamp never contain a `.` (the specification asks it).
 */
export function webhookSignature(key: Uint8Array, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

export interface Delivery {
  id: string;
  message: UploadWebhook;
  now: Date;
}

/** POSTs the message; resolves when the receiver answered 2xx, throws WebhookFailure otherwise. */
export async function deliverWebhook(webhook: WebhookConfig, delivery: Delivery, timeoutMs = WEBHOOK_TIMEOUT_MS): Promise<void> {
  const body = JSON.stringify(delivery.message);
  const timestamp = Math.floor(delivery.now.getTime() / 1000);
  const signature = webhookSignature(webhook.secret, delivery.id, timestamp, body);
  let status: number;
  try {
    const answer = await httpRequest({
      method: 'POST',
      url: webhook.url,
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'oss-upload-completed',
        'webhook-id': delivery.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      },
      body,
      timeoutMs,
      maxBodyBytes: 0,
    });
    status = answer.status;
  } catch (error) {
    if (error instanceof HttpRequestFailure)
      throw new WebhookFailure(error.kind === 'timeout' ? 'receiver did not answer in time' : `receiver unreachable: ${error.message}`);
    throw error;
  }
  // Redirects are not followed: a receiver that moved must be configured anew.
  if (status < 200 || status > 299) throw new WebhookFailure(`receiver answered ${status}`);
}

/**
 * The local stack's own webhook receiver, written as an application would write one: it verifies every delivery
 * with the `standardwebhooks` package (signature and timestamp), keeps the first delivery of each webhook-id, and
 * remembers the latest verdict per key for the demo page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { UploadWebhook } from '../shared/contract';
import { readBody } from './fc-adapter';

export interface ReceivedVerdict {
  key: string;
  /** `verified` for upload.completed, `rejected: <reason>` for upload.rejected. */
  verdict: string;
  webhookId: string;
  message: UploadWebhook;
}

export interface WebhookReceiver {
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** The latest verdict of each key, in arrival order. */
  verdicts(): ReceivedVerdict[];
  /** Deliveries refused for a bad signature, timestamp or body. */
  refused(): number;
}

const MAX_BODY_BYTES = 64 * 1024;

export function createWebhookReceiver(secret: string): WebhookReceiver {
  const verifier = new Webhook(secret);
  const byKey = new Map<string, ReceivedVerdict>();
  const seen = new Set<string>();
  let refused = 0;
  return {
    async handle(request, response) {
      const answer = (status: number): void => void response.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
      if (request.method !== 'POST') return answer(405);
      const body = await readBody(request, MAX_BODY_BYTES);
      if (body === undefined) return answer(413);
      let message: UploadWebhook;
      try {
        const headers = Object.fromEntries(
          Object.entries(request.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
        );
        message = verifier.verify(body.toString('utf8'), headers) as UploadWebhook;
      } catch {
        refused += 1;
        return answer(400);
      }
      const webhookId = String(request.headers['webhook-id']);
      // The same id again is a retry or a repeated event: acknowledged, not applied twice.
      if (!seen.has(webhookId)) {
        seen.add(webhookId);
        const verdict = message.type === 'upload.completed' ? 'verified' : `rejected: ${message.data.reason ?? 'unknown'}`;
        byKey.delete(message.data.key);
        byKey.set(message.data.key, { key: message.data.key, verdict, webhookId, message });
      }
      answer(204);
    },
    verdicts: () => [...byKey.values()],
    refused: () => refused,
  };
}

/**
 * Our Standard Webhooks signer (node:crypto) against the `standardwebhooks` package a receiver runs: deliveries sent
 * over HTTP to a real receiver verify with its `Webhook.verify` (secrets of several lengths, several ids and
 * timestamps, non-ASCII and large bodies) and are refused once tampered with; each signature equals the HMAC
 * recomputed here from the specification's text; and, for any text, a secret we take reads to the same key in the
 * package, and a secret the package refuses we refuse too (we refuse more: no `whsec_`, unpadded, stray characters).
 */
import fc from 'fast-check';
import { createHmac, randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { completionSection, composeSections, uploadSection, type WebhookConfig } from '../../../shared/config/sections';
import type { UploadWebhook } from '../../../shared/contract';
import { deliverWebhook, webhookIdFor, webhookSignature } from '../../../shared/webhook/upload-webhook';
import { webhookKeyOf } from '../../../shared/webhook/webhook-secret';
import { configFrom } from '../../support/env';
import { registerIssued } from '../../support/log-capture';
import { startReceiver, type Delivery, type Receiver } from '../../support/upload-completed';

const RUNS = Math.max(300, Math.floor(Number(process.env['FUZZ_RUNS'] ?? 1000) / 2));
const section = composeSections(uploadSection, completionSection);

const base64 = (bytes: number): string => randomBytes(bytes).toString('base64');
/** Secrets as `openssl rand -base64 N` makes them, behind `whsec_` (lengths with and without base64 padding). */
const SECRETS = {
  '32 bytes (one = of padding)': `whsec_${base64(32)}`,
  '24 bytes (no padding)': `whsec_${base64(24)}`,
  '64 bytes (two = of padding)': `whsec_${base64(64)}`,
  '40 bytes': `whsec_${base64(40)}`,
};
const WRONG_SECRET = `whsec_${base64(32)}`;
registerIssued(...Object.values(SECRETS), WRONG_SECRET);

/** The specification: `v1,` + base64(HMAC-SHA256(base64-decoded secret without `whsec_`, "<id>.<timestamp>.<body>")). */
function specSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key)
    .update(Buffer.from(`${id}.${timestamp}.${body}`, 'utf8'))
    .digest('base64')}`;
}

function message(key: string): UploadWebhook {
  return {
    type: 'upload.completed',
    timestamp: '2026-11-30T10:00:00.000Z',
    data: {
      bucket: 'uploads-bucket',
      key,
      user: 'alice',
      size: 3000,
      contentType: 'image/png',
      etag: 'D41D8CD98F00B204E9800998ECF8427E',
      eventTime: '2026-11-30T09:59:59.000Z',
    },
  };
}

const KEYS = {
  ascii: 'users/alice/2026/11/cat.png',
  'non-ASCII': 'users/alice/猫 café naïve 🐱 "quoted" \\ back\u0000slash \ud800 lone.png',
  'large (≈300 KB of UTF-8)': `users/alice/${'жü猫🐱'.repeat(30_000)}.png`,
};
const NOW = Date.now();
const MOMENTS = {
  now: new Date(NOW),
  'four minutes ago, with milliseconds': new Date(NOW - 240_000 + 999),
  'the year 2001': new Date(1_000_000_000_999),
  'the year 2100': new Date(Date.UTC(2100, 0, 1, 0, 0, 0, 1)),
};
const IDS = [webhookIdFor('uploads-bucket', KEYS.ascii, '"d41d8cd98f00b204e9800998ecf8427e"'), 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', 'evt_1'];

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

function webhookConfig(secret: string): WebhookConfig {
  const config = configFrom(section, { UPLOAD_WEBHOOK_URL: receiver.url, UPLOAD_WEBHOOK_SECRET: secret });
  return config.webhook!;
}

async function deliver(secret: string, id: string, key: string, now: Date): Promise<Delivery> {
  receiver.deliveries.length = 0;
  await deliverWebhook(webhookConfig(secret), { id, message: message(key), now });
  expect(receiver.deliveries).toHaveLength(1);
  return receiver.deliveries[0]!;
}

/** `Webhook.verify` on a clock set to `now` (it refuses timestamps more than 5 minutes away from its clock). */
function verifyAt(now: Date, secret: string, body: string, headers: Record<string, string>): unknown {
  const clock = jest.spyOn(Date, 'now').mockReturnValue(now.getTime());
  try {
    return new Webhook(secret).verify(body, headers);
  } finally {
    clock.mockRestore();
  }
}

const cases = Object.entries(SECRETS).flatMap(([secretName, secret], s) =>
  Object.entries(KEYS).map(([keyName, key], k) => {
    const [momentName, now] = Object.entries(MOMENTS)[(s + k) % 4]!;
    return { name: `${secretName}; ${keyName} body; ${momentName}`, secret, key, now, id: IDS[(s + 2 * k) % IDS.length]! };
  }),
);

test.each(cases)('$name: the package verifies the delivery, and the signature is the spec HMAC', async ({ secret, key, now, id }) => {
  const delivery = await deliver(secret, id, key, now);
  const headers = {
    'webhook-id': String(delivery.headers['webhook-id']),
    'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
    'webhook-signature': String(delivery.headers['webhook-signature']),
  };
  expect(headers['webhook-id']).toBe(id);
  expect(headers['webhook-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
  expect(headers['webhook-signature']).toBe(specSignature(secret, id, headers['webhook-timestamp'], delivery.body));
  expect(JSON.parse(delivery.body)).toEqual(message(key));

  expect(verifyAt(now, secret, delivery.body, headers)).toEqual(message(key));
  // The receiver may hold the secret with or without whsec_: the key is the same.
  const otherForm = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : `whsec_${secret}`;
  expect(verifyAt(now, otherForm, delivery.body, headers)).toEqual(message(key));

  const refused = (body: string, changed: Partial<typeof headers>, verifySecret = secret): void => {
    expect(() => verifyAt(now, verifySecret, body, { ...headers, ...changed })).toThrow(WebhookVerificationError);
  };
  refused(delivery.body.replace('alice', 'alicf'), {});
  refused(delivery.body.replace('"size":3000', '"size":3001'), {});
  refused(delivery.body, { 'webhook-id': `${id}x` });
  refused(delivery.body, { 'webhook-timestamp': String(Number(headers['webhook-timestamp']) + 1) });
  refused(delivery.body, {}, WRONG_SECRET);
});

test('any body, id and time: our signature is the spec HMAC and the one the package computes', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: fc.nat(0xffff).map((code) => String.fromCharCode(code)), maxLength: 300 }), // lone surrogates too
  );
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 24, maxLength: 64 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      fc.integer({ min: 0, max: 4_102_444_800 }),
      anyText,
      (keyBytes, id, seconds, body) => {
        const secret = `whsec_${Buffer.from(keyBytes).toString('base64')}`;
        const key = webhookKeyOf(secret)!;
        const ours = webhookSignature(key, id, seconds, body);
        expect(ours).toBe(specSignature(secret, id, String(seconds), body));
        expect(ours).toBe(new Webhook(secret).sign(id, new Date(seconds * 1000), body));
      },
    ),
    { numRuns: RUNS },
  );
});

/** The package's verdict on a secret's text: the signature it would make, or undefined where it throws. */
function packageSigns(secret: string, id: string, at: Date, body: string): string | undefined {
  try {
    return new Webhook(secret).sign(id, at, body);
  } catch {
    return undefined;
  }
}

test('a secret we take reads to the same key in the package; a secret the package refuses, we refuse', () => {
  const at = new Date(1_700_000_000_000);
  const nearBase64 = fc.string({ unit: fc.constantFrom(...'AZaz09+/=-_ .\nü'.split(''), 'QUJD', '=='), maxLength: 40 });
  const encoded = fc.tuple(fc.uint8Array({ maxLength: 70 }), fc.nat(3), fc.constantFrom('', 'A', '=', '-', ' ', '\n')).map(
    ([bytes, cut, extra]) =>
      Buffer.from(bytes)
        .toString('base64')
        .slice(0, Math.max(0, 4 * Math.ceil(bytes.length / 3) - cut)) + extra,
  );
  const canonical = fc.uint8Array({ minLength: 1, maxLength: 70 }).map((bytes) => Buffer.from(bytes).toString('base64'));
  const secretText = fc.tuple(
    fc.oneof({ arbitrary: fc.constantFrom('', 'whsec_'), weight: 4 }, fc.constantFrom('whsec_whsec_', 'WHSEC_')),
    fc.oneof({ arbitrary: encoded, weight: 4 }, { arbitrary: canonical, weight: 3 }, nearBase64, fc.string()),
  );
  let taken = 0;
  let refused = 0;
  fc.assert(
    fc.property(secretText, ([prefix, rest]) => {
      const secret = prefix + rest;
      const theirs = packageSigns(secret, 'msg_1', at, 'body');
      const key = webhookKeyOf(secret);
      if (key !== undefined) {
        taken += 1;
        expect(webhookSignature(key, 'msg_1', at.getTime() / 1000, 'body')).toBe(theirs);
      } else if (theirs === undefined) refused += 1;
    }),
    { numRuns: RUNS * 4 },
  );
  // Both sides of the comparison were exercised.
  expect(taken).toBeGreaterThan(RUNS / 8);
  expect(refused).toBeGreaterThan(RUNS / 8);
});

test.each([
  ['whsec_ alone', 'whsec_'],
  ['fewer than 4 characters', 'whsec_QUJ'],
  ['3 padding characters', `whsec_${'A'.repeat(40)}===`],
  ['base64url characters', `whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`],
  ['a trailing newline', `whsec_${Buffer.alloc(32, 1).toString('base64')}\n`],
  ['a space inside', `whsec_${'A'.repeat(20)} ${'A'.repeat(19)}`],
  ['padding inside', `whsec_${'A'.repeat(22)}==${'A'.repeat(20)}`],
])('a secret the package refuses (%s) is refused by the configuration too', (_name, secret) => {
  expect(() => new Webhook(secret)).toThrow();
  expect(() => webhookConfig(secret)).toThrow(
    'UPLOAD_WEBHOOK_SECRET must be whsec_ followed by the padded base64 of 24 to 64 random bytes (Standard Webhooks)',
  );
});

test.each([
  ['no whsec_ (a password-like text reads as base64)', 'MySuperSecretWebhookPassword2024'],
  ['no whsec_, base64 of 32 bytes', base64(32)],
  ['padding left out', `whsec_${base64(32).replace(/=+$/, '')}`],
  ['a stray last character', `whsec_${base64(24)}.`],
  ['stray bits in the last character', `whsec_${base64(32).replace(/.=$/, 'B=')}`],
])('a secret the package would take but we refuse (%s): refused at configuration, never guessed at', (_name, secret) => {
  expect(packageSigns(secret, 'msg_1', new Date(0), 'body')).toBeDefined();
  expect(webhookKeyOf(secret)).toBeUndefined();
  expect(() => webhookConfig(secret)).toThrow(
    'UPLOAD_WEBHOOK_SECRET must be whsec_ followed by the padded base64 of 24 to 64 random bytes (Standard Webhooks)',
  );
});

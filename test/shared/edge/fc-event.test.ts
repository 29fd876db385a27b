/** The FC event's size is checked before it is parsed, and the body's before it is decoded. */
import { HttpError } from '../../../shared/edge/errors';
import { buildHttpEvent, maxEventBytesFor, parseFcEvent } from '../../../shared/edge/fc-event';

const LIMITS = { maxBodyBytes: 16 * 1024 };

function failure(run: () => unknown): HttpError {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected an HttpError');
}

describe('parseFcEvent sizes', () => {
  test('an event over the limit is refused with 413 before it is parsed (not even JSON gets 400)', () => {
    const oversized = Buffer.alloc(maxEventBytesFor(LIMITS.maxBodyBytes) + 1, 'x');
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const error = failure(() => parseFcEvent(oversized, 'id', LIMITS));
      expect([error.status, error.code]).toEqual([413, 'PayloadTooLarge']);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    expect(failure(() => parseFcEvent(oversized.toString(), 'id', LIMITS)).status).toBe(413);
  });

  test('the event limit leaves room for the largest body in its worst JSON escaping, with FC-sized headers', () => {
    // 16 KiB of control characters, each escaped as \u00XX in the event, and 8 KB of headers.
    const body = '\u0001'.repeat(LIMITS.maxBodyBytes);
    const event = buildHttpEvent({ body, headers: { 'x-big': '\u0002'.repeat(8 * 1024 - 10) }, path: `/${'%'.repeat(4000)}` });
    expect(event.length).toBeGreaterThan(6 * LIMITS.maxBodyBytes);
    expect(event.length).toBeLessThanOrEqual(maxEventBytesFor(LIMITS.maxBodyBytes));
    expect(parseFcEvent(event, 'id', LIMITS).body.length).toBe(LIMITS.maxBodyBytes);
  });

  test.each([
    ['base64 body one byte over', Buffer.alloc(LIMITS.maxBodyBytes + 1, 1), 413],
    ['base64 body at the limit', Buffer.alloc(LIMITS.maxBodyBytes, 1), 200],
    ['text body one byte over', 'a'.repeat(LIMITS.maxBodyBytes + 1), 413],
    ['text body at the limit', 'a'.repeat(LIMITS.maxBodyBytes), 200],
    ['text body over the limit in UTF-8 bytes, not in characters', 'é'.repeat(LIMITS.maxBodyBytes / 2 + 1), 413],
  ])('%s → %i', (_name, body, status) => {
    const request = parseFcEvent(
      buildHttpEvent({ body, requestId: 'req-1', headers: { origin: 'https://app.example.com' } }),
      'id',
      LIMITS,
    );
    if (status === 200) {
      expect(request.bodyTooLarge).toBeUndefined();
      expect(request.body.length).toBeLessThanOrEqual(LIMITS.maxBodyBytes);
    } else {
      // Flagged for the handler's 413, with what it needs for the answer and the log line, and nothing decoded.
      expect(request).toEqual({
        method: 'POST',
        headers: { origin: 'https://app.example.com' },
        query: {},
        body: Buffer.alloc(0),
        requestId: 'req-1',
        bodyTooLarge: true,
      });
    }
  });

  test('an oversized base64 body is never decoded', () => {
    const from = jest.spyOn(Buffer, 'from');
    try {
      const event = { requestContext: { http: { method: 'POST' } }, isBase64Encoded: true, body: 'QUFB'.repeat(6000) };
      expect(parseFcEvent(event, 'id', LIMITS).bodyTooLarge).toBe(true);
      expect(from.mock.calls.some((args: unknown[]) => args[1] === 'base64')).toBe(false);
    } finally {
      from.mockRestore();
    }
  });
});

/** The FC edge's handling of errors nobody planned for. */
import { edgeSection } from '../../../shared/config/sections';
import { createFcHandler } from '../../../shared/edge/handler';
import type { RequestLogLine } from '../../../shared/edge/log';
import { baseEnv } from '../../support/env';
import { fcEvent, jsonOf, type FcResponse } from '../../support/fc-event';
import { hsToken } from '../../support/tokens';

test('an unexpected error answers a bare 500 and logs its name and place, never its message', async () => {
  const logs: RequestLogLine[] = [];
  const handler = createFcHandler(
    {
      name: 'test',
      config: edgeSection,
      handle: () => {
        throw new RangeError('message that could carry accessKeySecret=abc123');
      },
    },
    { env: baseEnv(), log: (line) => void logs.push(line) },
  );
  const token = await hsToken({ sub: 'alice' });
  const response = (await handler(
    fcEvent({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: {} }),
    {},
  )) as FcResponse;
  expect(response.statusCode).toBe(500);
  expect(jsonOf(response)).toEqual({ error: { code: 'InternalError', message: 'internal error' } });
  expect(logs).toHaveLength(1);
  expect(logs[0]!.cause).toMatch(/^RangeError at /);
  expect(JSON.stringify(logs[0])).not.toContain('abc123');
});

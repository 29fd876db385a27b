/** `.env` as the deploy check reads it: Node's parser for the values, and every variable given twice refused. */
import { parseEnv } from 'node:util';
import { readDotEnv } from '../../deploy/dot-env';

test('values as Node reads them; one variable a line, however it is written, is fine', () => {
  const content = [
    '# the deployment',
    'OSS_BUCKET=my-uploads',
    'export OSS_REGION=cn-hangzhou',
    '  ALLOWED_ORIGINS = https://app.example.com',
    'AUTH_ISSUER="https://idp.example.com/"',
    '',
  ].join('\n');
  expect(readDotEnv(content, parseEnv)).toEqual({
    values: {
      OSS_BUCKET: 'my-uploads',
      OSS_REGION: 'cn-hangzhou',
      ALLOWED_ORIGINS: 'https://app.example.com',
      AUTH_ISSUER: 'https://idp.example.com/',
    },
    problems: [],
  });
});

test('a variable given twice, or three times, is named with its lines, whatever the way it is written', () => {
  const content = ['A=1', 'B=1', 'export A=2', 'C=1', '  A = 3', 'B=1', ''].join('\n');
  expect(readDotEnv(content, parseEnv).problems).toEqual([
    '.env sets A more than once (lines 1, 3 and 5), and only one value can be deployed: keep one line (a secret already deployed keeps the value it was deployed with)',
    '.env sets B more than once (lines 2 and 6), and only one value can be deployed: keep one line (a secret already deployed keeps the value it was deployed with)',
  ]);
});

test('lines inside a quoted value that spans lines are not assignments; CRLF files are read alike', () => {
  const content = ['KEY="-----BEGIN', 'KEY=not an assignment', '-----END"', 'OTHER=1'].join('\r\n');
  const read = readDotEnv(content, parseEnv);
  expect(read.problems).toEqual([]);
  expect(Object.keys(read.values)).toEqual(['KEY', 'OTHER']);
  expect(readDotEnv(['X=1', 'X=2'].join('\r\n'), parseEnv).problems).toEqual([
    expect.stringContaining('.env sets X more than once (lines 1 and 2)'),
  ]);
});

import { uploadSection } from '../../../shared/config/sections';
import { HttpError } from '../../../shared/edge/errors';
import { DEFAULT_CONTENT_TYPES, isContentTypeAllowed } from '../../../shared/upload/content-types';
import { extensionOf, objectKeyFor } from '../../../shared/upload/keys';
import { randomObjectId } from '../../../shared/upload/random-id';
import { parseUploadRequest, uploadRulesFor, type UploadRules } from '../../../shared/upload/rules';
import { configFrom } from '../../support/env';

const config = configFrom(uploadSection, { MAX_UPLOAD_BYTES: '1000' });
const rules: UploadRules = uploadRulesFor({ userSegment: 'alice' }, config, config.profiles.list[0]!);

function errorOf(body: unknown): HttpError {
  try {
    parseUploadRequest(body, rules);
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('uploadRulesFor', () => {
  test('without a profiles file: one description of what the user may upload, from the variables, keys as they always were', () => {
    expect(config.profiles.list).toHaveLength(1);
    expect(rules).toEqual({
      bucket: 'uploads-bucket',
      region: 'cn-hangzhou',
      ossEndpoint: 'https://uploads-bucket.oss-cn-hangzhou.aliyuncs.com',
      prefix: 'users/alice/',
      profile: {
        name: 'default',
        folder: '',
        contentTypes: DEFAULT_CONTENT_TYPES,
        minBytes: 1,
        maxBytes: 1000,
        key: 'random',
        methods: ['PUT', 'POST', 'MULTIPART', 'STS'],
        ttlSeconds: 300,
        requireClaims: {},
        maxObjectsPerUser: undefined,
        maxBytesPerUser: undefined,
        maxOpenUploadsPerUser: undefined,
      },
      allowedContentTypes: DEFAULT_CONTENT_TYPES,
      minBytes: 1,
      maxBytes: 1000,
      ttlSeconds: 300,
    });
  });
});

describe('parseUploadRequest', () => {
  test('a good request', () => {
    expect(parseUploadRequest({ filename: 'cat.png', contentType: 'image/png', size: 1000, method: 'POST' }, rules)).toEqual({
      filename: 'cat.png',
      contentType: 'image/png',
      size: 1000,
      method: 'POST',
    });
    expect(parseUploadRequest({ filename: 'cat.png', contentType: 'image/png', size: 7 }, rules)).toEqual({
      filename: 'cat.png',
      contentType: 'image/png',
      size: 7,
      method: 'PUT',
    });
    expect(parseUploadRequest({ filename: 'cat.png', contentType: 'image/png', method: 'POST' }, rules)).toEqual({
      filename: 'cat.png',
      contentType: 'image/png',
      size: undefined,
      method: 'POST',
    });
  });

  test('a PUT must declare its size (the signature binds Content-Length to it); a POST form need not', () => {
    for (const size of [undefined, null]) {
      const error = errorOf({ filename: 'cat.png', contentType: 'image/png', size, method: 'PUT' });
      expect([error.status, error.code, error.message]).toEqual([400, 'InvalidSize', expect.stringContaining('size is required for PUT')]);
    }
    expect(errorOf({ filename: 'cat.png', contentType: 'image/png' }).code).toBe('InvalidSize');
  });

  const refused: Array<[string, unknown, number, string]> = [
    ['array body', [], 400, 'BadRequest'],
    ['null body', null, 400, 'BadRequest'],
    ['missing filename', { contentType: 'image/png' }, 400, 'InvalidFilename'],
    ['empty filename', { filename: '', contentType: 'image/png' }, 400, 'InvalidFilename'],
    ['256-character filename', { filename: `${'a'.repeat(252)}.png`, contentType: 'image/png' }, 400, 'InvalidFilename'],
    ['control character', { filename: 'a\nb.png', contentType: 'image/png' }, 400, 'InvalidFilename'],
    ['NUL', { filename: 'a\u0000.png', contentType: 'image/png' }, 400, 'InvalidFilename'],
    ['slash', { filename: 'a/b.png', contentType: 'image/png' }, 400, 'InvalidFilename'],
    ['backslash', { filename: 'a\\b.png', contentType: 'image/png' }, 400, 'InvalidFilename'],
    ['dot-dot', { filename: '..', contentType: 'image/png' }, 400, 'InvalidFilename'],
    ['number filename', { filename: 7, contentType: 'image/png' }, 400, 'InvalidFilename'],
    ['text/html', { filename: 'a.html', contentType: 'text/html' }, 400, 'InvalidContentType'],
    ['image/svg+xml', { filename: 'a.svg', contentType: 'image/svg+xml' }, 400, 'InvalidContentType'],
    ['upper-case variant', { filename: 'a.png', contentType: 'IMAGE/PNG' }, 400, 'InvalidContentType'],
    ['mixed-case html', { filename: 'a.png', contentType: 'Text/HTML' }, 400, 'InvalidContentType'],
    ['parameters', { filename: 'a.png', contentType: 'image/png; x=y' }, 400, 'InvalidContentType'],
    ['trailing space', { filename: 'a.png', contentType: 'image/png ' }, 400, 'InvalidContentType'],
    ['missing content type', { filename: 'a.png' }, 400, 'InvalidContentType'],
    ['negative size', { filename: 'a.png', contentType: 'image/png', size: -1 }, 400, 'InvalidSize'],
    ['zero size', { filename: 'a.png', contentType: 'image/png', size: 0 }, 400, 'InvalidSize'],
    ['fractional size', { filename: 'a.png', contentType: 'image/png', size: 1.5 }, 400, 'InvalidSize'],
    ['string size', { filename: 'a.png', contentType: 'image/png', size: '10' }, 400, 'InvalidSize'],
    ['NaN size', { filename: 'a.png', contentType: 'image/png', size: Number.NaN }, 400, 'InvalidSize'],
    ['infinite size', { filename: 'a.png', contentType: 'image/png', size: Number.POSITIVE_INFINITY }, 400, 'InvalidSize'],
    ['size over the limit', { filename: 'a.png', contentType: 'image/png', size: 1001 }, 413, 'EntityTooLarge'],
    ['GET method', { filename: 'a.png', contentType: 'image/png', method: 'GET' }, 400, 'InvalidMethod'],
    ['lower-case put', { filename: 'a.png', contentType: 'image/png', method: 'put' }, 400, 'InvalidMethod'],
  ];

  test.each(refused)('%s → %i %s', (_name, body, status, code) => {
    const error = errorOf(body);
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
  });

  test('__proto__ and constructor keys change nothing', () => {
    const body = JSON.parse(
      '{"filename":"a.png","contentType":"image/png","size":3,"__proto__":{"method":"POST","size":5},"constructor":{"prototype":{"polluted":true}}}',
    ) as unknown;
    expect(parseUploadRequest(body, rules)).toEqual({ filename: 'a.png', contentType: 'image/png', size: 3, method: 'PUT' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(errorOf(JSON.parse('{"__proto__":{"filename":"a.png","contentType":"image/png"}}')).code).toBe('InvalidFilename');
  });
});

describe('content types', () => {
  test('a type/* entry covers its family but never the active types', () => {
    expect(isContentTypeAllowed('image/png', ['image/*'])).toBe(true);
    expect(isContentTypeAllowed('image/svg+xml', ['image/*'])).toBe(false);
    expect(isContentTypeAllowed('text/html', ['text/*'])).toBe(false);
    expect(isContentTypeAllowed('image/svg+xml', ['image/svg+xml'])).toBe(true);
    expect(isContentTypeAllowed('video/mp4', ['image/*'])).toBe(false);
    for (const active of [
      'application/rss+xml',
      'application/xslt+xml',
      'application/mathml+xml',
      'text/xsl',
      'application/x-javascript',
      'text/ecmascript',
      'multipart/related',
      'text/xml',
    ]) {
      expect(isContentTypeAllowed(active, ['application/*', 'text/*', 'multipart/*'])).toBe(false);
    }
    expect(isContentTypeAllowed('application/json', ['application/*'])).toBe(true);
    expect(isContentTypeAllowed('text/plain', ['text/*'])).toBe(true);
  });

  test('nor the active types of the WHATWG, Chromium and plug-in lists, which an exact entry still allows', () => {
    const wildcards = ['application/*', 'text/*', 'message/*', 'image/*'];
    for (const active of [
      'message/rfc822', // MHTML
      'message/global',
      'text/x-component', // IE behaviours (.htc)
      'application/hta', // HTML applications
      'application/futuresplash', // Flash
      'application/x-director',
      'application/x-silverlight-app',
      'application/java-vm',
      'application/x-java-jnlp-file',
      'application/x-ms-application',
      'application/ecmascript', // WHATWG JavaScript MIME types the name pattern misses
      'text/livescript',
      'text/jscript',
      'application/pdf', // WHATWG "scriptable"
    ]) {
      expect([active, isContentTypeAllowed(active, wildcards)]).toEqual([active, false]);
      expect([active, isContentTypeAllowed(active, [active])]).toEqual([active, true]);
    }
    for (const passive of ['application/zip', 'text/csv', 'image/png', 'application/octet-stream']) {
      expect([passive, isContentTypeAllowed(passive, wildcards)]).toEqual([passive, true]);
    }
  });
});

describe('keys', () => {
  test('<prefix><yyyy>/<mm>/<random id><.ext>', () => {
    expect(objectKeyFor('users/alice/', 'Holiday Photo.JPG', new Date('2026-03-05T00:00:00Z'), 'RANDOM')).toBe(
      'users/alice/2026/03/RANDOM.jpg',
    );
    expect(objectKeyFor('users/alice/', 'x.png', new Date('2026-12-31T23:59:59Z'), randomObjectId())).toMatch(
      /^users\/alice\/2026\/12\/[A-Za-z0-9_-]{22}\.png$/,
    );
  });

  test('random ids do not repeat', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => objectKeyFor('p/', 'a.png', new Date(), randomObjectId())));
    expect(keys.size).toBe(1000);
  });

  test.each([
    ['cat.png', '.png'],
    ['archive.tar.GZ', '.gz'],
    ['noext', ''],
    ['trailing.', ''],
    ['weird.p*g', ''],
    ['a.ünï', ''],
    ['a.abcdefghijklmnop', '.abcdefghijklmnop'],
    ['a.abcdefghijklmnopq', ''],
    ['.bashrc', '.bashrc'],
    ['a.png%2f', ''],
  ])('extension of %j is %j', (filename, extension) => {
    expect(extensionOf(filename)).toBe(extension);
  });
});

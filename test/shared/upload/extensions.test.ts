/** Key extensions derived from the content type, and the generated mime-db table they come from. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extensionFor, extensionsOf } from '../../../shared/upload/extensions';
import { MIME_DB_VERSION, TYPE_EXTENSIONS } from '../../../shared/upload/mime-db-extensions';
import { typeExtensionsTable, type MimeDb } from '../../../tools/type-extensions';

const mimeDbFolder = join(__dirname, '..', '..', '..', 'node_modules', 'mime-db');

describe('extensionFor: the type decides, the filename only chooses among its extensions', () => {
  const cases: Array<[string, string, string]> = [
    ['image/png', 'x.html', '.png'],
    ['image/png', 'x.svg', '.png'],
    ['image/png', 'cat.PNG', '.png'],
    ['image/png', 'noext', '.png'],
    ['image/jpeg', 'a.JPEG', '.jpeg'],
    ['image/jpeg', 'a.jpe', '.jpe'],
    ['image/jpeg', 'a.png', '.jpg'],
    ['image/jpeg', 'a.jpeg.html', '.jpg'],
    ['application/pdf', 'doc.PDF', '.pdf'],
    ['application/pdf', 'doc.exe', '.pdf'],
    ['image/heic', 'IMG_0001.HEIC', '.heic'],
    ['text/plain', 'notes.log', '.log'],
    ['text/plain', 'notes.html', '.txt'],
    ['application/x-unknown-to-mime-db', 'a.html', ''],
    ['application/octet-stream', 'tool.exe', '.exe'],
  ];
  test.each(cases)('%s with %s → "%s"', (contentType, filename, expected) => {
    expect(extensionFor(contentType, filename)).toBe(expected);
  });

  test('lookups are exact: a prefix, a longer type or whitespace never matches another line', () => {
    expect(extensionsOf('image/pn')).toEqual([]);
    expect(extensionsOf('image/png2')).toEqual([]);
    expect(extensionsOf('mage/png')).toEqual([]);
    expect(extensionsOf('image/png image/jpeg')).toEqual([]);
    expect(extensionsOf('image/png\nimage/jpeg')).toEqual([]);
    expect(extensionsOf('')).toEqual([]);
    expect(extensionsOf('image/png')).toEqual(['png']);
  });
});

describe('the generated table', () => {
  test('is what tools/type-extensions.ts writes from the installed mime-db (run `npm run generate:extensions`)', () => {
    const db = JSON.parse(readFileSync(join(mimeDbFolder, 'db.json'), 'utf8')) as MimeDb;
    const { version } = JSON.parse(readFileSync(join(mimeDbFolder, 'package.json'), 'utf8')) as { version: string };
    expect(MIME_DB_VERSION).toBe(version);
    expect(TYPE_EXTENSIONS).toBe(typeExtensionsTable(db));
  });

  test('every extension in it can sit in a key, and every type is listed once', () => {
    const lines = TYPE_EXTENSIONS.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(900);
    const types = lines.map((line) => line.split(' ')[0]);
    expect(new Set(types).size).toBe(types.length);
    for (const line of lines) expect(line).toMatch(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*( [a-z0-9]{1,16})+$/);
  });
});

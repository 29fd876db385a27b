/**
 * The verdict table: one object per rule, judged by the same code path as the function (HEAD facts, then the
 * real sniffer on the bytes), each expected with its exact reason code.
 */
import { samplePdf, samplePng, sampleJpeg } from '../../../local/sample-files';
import { sniffContent } from '../../../shared/upload/content-sniff';
import { profilesFromFile, profilesFromVariables } from '../../../shared/upload/profiles';
import { TYPE_EXTENSION_TABLE } from '../../../shared/upload/type-extensions';
import { REJECTION_REASONS, judgeContent, judgeStoredObject, judgeUnreadable, type VerdictRules } from '../../../shared/upload/verdict';

const uploadPrefix = { before: 'users/', after: '/' };
const allowedContentTypes = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/heic',
  'application/pdf',
  'text/plain',
];
/** Without a profiles file: the one profile of the variables. */
const rules: VerdictRules = {
  uploadPrefix,
  profiles: profilesFromVariables({ allowedContentTypes, maxUploadBytes: 100_000, signedUrlTtlSeconds: 300 }),
  allowedUnreadableStorageClasses: [],
};

/** With a profiles file: an avatar (one fixed key), documents of 100 B to 100 KB with STS, photos without STS. */
function profileRules(): VerdictRules {
  const loaded = profilesFromFile(
    {
      name: 'upload-profiles.json',
      document: {
        avatar: { contentTypes: ['image/png', 'image/jpeg'], maxBytes: 100_000, key: 'fixed' },
        documents: { contentTypes: ['application/pdf'], minBytes: 100, maxBytes: 100_000, methods: ['PUT', 'STS'] },
        photos: { contentTypes: ['image/*'], maxBytes: 100_000 },
      },
    },
    { signedUrlTtlSeconds: 300 },
  );
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  return { uploadPrefix, profiles: loaded.profiles, allowedUnreadableStorageClasses: [] };
}
const withProfiles = profileRules();

interface Case {
  name: string;
  /** The rules judged by: without a profiles file (default) or with one. */
  profiles?: true;
  key: string;
  contentType: string;
  body: Buffer;
  size?: number;
  objectType?: string;
  contentEncoding?: string;
  /** An Archive-type class: OSS will not read the bytes (judge-upload.ts gets no start). */
  unreadableClass?: string;
}

/** The whole pipeline, as judge-upload.ts runs it: HEAD rules, then the bytes when HEAD cannot decide. */
async function verdictOf(c: Case): Promise<string> {
  const facts = {
    key: c.key,
    size: c.size ?? c.body.length,
    contentType: c.contentType,
    objectType: c.objectType ?? 'Normal',
    contentEncoding: c.contentEncoding,
  };
  const first = judgeStoredObject(facts, c.profiles === true ? withProfiles : rules, TYPE_EXTENSION_TABLE);
  if (first.kind === 'outside') return 'outside';
  if (first.kind !== 'content') return first.kind === 'rejected' ? first.reason : 'accepted';
  const reason =
    c.unreadableClass === undefined
      ? judgeContent(first.contentType, await sniffContent(c.body.subarray(0, 8192), first.contentType))
      : judgeUnreadable(c.unreadableClass, rules);
  return reason ?? 'accepted';
}

const html = Buffer.from('<!DOCTYPE html><html><body><script>fetch("/steal?c="+document.cookie)</script></body></html>');
const svg = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>');

const table: Array<Case & { expected: string }> = [
  { name: 'a valid JPEG', key: 'users/alice/2026/11/a.jpg', contentType: 'image/jpeg', body: sampleJpeg(4000), expected: 'accepted' },
  {
    name: 'a valid PNG with a parameter on its type',
    key: 'users/alice/p.png',
    contentType: 'Image/PNG; x=1',
    body: samplePng(900),
    expected: 'accepted',
  },
  {
    name: 'a valid PDF without extension',
    key: 'users/alice/2026/11/report',
    contentType: 'application/pdf',
    body: samplePdf(3000),
    expected: 'accepted',
  },
  { name: 'a PNG that is really HTML', key: 'users/alice/cat.png', contentType: 'image/png', body: html, expected: 'ActiveContent' },
  { name: 'an SVG declared image/png', key: 'users/alice/logo.png', contentType: 'image/png', body: svg, expected: 'ActiveContent' },
  {
    name: 'a real PNG carrying a script tag (a polyglot)',
    key: 'users/alice/poly.png',
    contentType: 'image/png',
    body: Buffer.concat([samplePng(200).subarray(0, 33), Buffer.from('<script>alert(1)</script>'), samplePng(200).subarray(33)]),
    expected: 'ActiveContent',
  },
  {
    name: 'UTF-16 HTML declared text/plain',
    key: 'users/alice/n.txt',
    contentType: 'text/plain',
    body: Buffer.from('\ufeff<html><script>x</script>', 'utf16le'),
    expected: 'ActiveContent',
  },
  {
    name: 'an oversized object (uploaded with STS credentials, which cannot bound size)',
    key: 'users/alice/big.png',
    contentType: 'image/png',
    body: samplePng(1000),
    size: 100_001,
    expected: 'TooLarge',
  },
  {
    name: 'a valid PNG of a user with an opaque segment (USER_SEGMENT=opaque)',
    key: `users/_k${'ab'.repeat(32)}/2026/11/x.png`,
    contentType: 'image/png',
    body: samplePng(500),
    expected: 'accepted',
  },
  {
    name: 'a key outside every user prefix',
    key: 'assets/site/logo.png',
    contentType: 'image/png',
    body: samplePng(500),
    expected: 'outside',
  },
  {
    name: 'a user segment no subject encodes to',
    key: 'users/_41/x.png',
    contentType: 'image/png',
    body: samplePng(500),
    expected: 'outside',
  },
  { name: 'the folder itself, with no user', key: 'users/x.png', contentType: 'image/png', body: samplePng(500), expected: 'outside' },
  {
    name: 'an extension that does not match the type',
    key: 'users/alice/page.html',
    contentType: 'image/png',
    body: samplePng(500),
    expected: 'ExtensionMismatch',
  },
  {
    name: 'an extension nobody can vouch for',
    key: 'users/alice/page.ht ml',
    contentType: 'image/png',
    body: samplePng(500),
    expected: 'ExtensionMismatch',
  },
  { name: 'an empty object', key: 'users/alice/empty.png', contentType: 'image/png', body: Buffer.alloc(0), expected: 'Empty' },
  { name: 'a type not allowed', key: 'users/alice/page.html', contentType: 'text/html', body: html, expected: 'TypeNotAllowed' },
  {
    name: 'no type at all (OSS stores application/octet-stream)',
    key: 'users/alice/blob',
    contentType: 'application/octet-stream',
    body: samplePng(500),
    expected: 'TypeNotAllowed',
  },
  {
    name: 'a JPEG declared image/png',
    key: 'users/alice/photo.png',
    contentType: 'image/png',
    body: sampleJpeg(2000),
    expected: 'ContentMismatch',
  },
  {
    name: 'bytes the sniffer cannot recognise, declared as a type it knows',
    key: 'users/alice/noise.png',
    contentType: 'image/png',
    body: Buffer.from('just some words'),
    expected: 'ContentMismatch',
  },
  {
    name: 'bytes of no known format declared application/pdf (a type the sniffer knows by its signature)',
    key: 'users/alice/report.pdf',
    contentType: 'application/pdf',
    body: Buffer.from('not a pdf at all, just words and numbers 1 2 3'),
    expected: 'ContentMismatch',
  },
  {
    name: 'a PNG whose bytes OSS will not read (uploaded in the Archive class), the class not allowed',
    key: 'users/alice/cold.png',
    contentType: 'image/png',
    body: Buffer.alloc(0),
    size: 500,
    unreadableClass: 'Archive',
    expected: 'UnreadableStorageClass',
  },
  {
    name: 'an unreadable object still breaks the rules its metadata can break first (size)',
    key: 'users/alice/cold-big.png',
    contentType: 'image/png',
    body: Buffer.alloc(0),
    size: 100_001,
    unreadableClass: 'DeepColdArchive',
    expected: 'TooLarge',
  },
  {
    name: 'bytes the sniffer cannot recognise, declared as a type it does not know (text)',
    key: 'users/alice/notes.txt',
    contentType: 'text/plain',
    body: Buffer.from('just some words\n'),
    expected: 'accepted',
  },
  {
    name: 'an executable declared text/plain',
    key: 'users/alice/run.txt',
    contentType: 'text/plain',
    body: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(300)]),
    expected: 'ContentMismatch',
  },
  {
    name: 'an appendable object',
    key: 'users/alice/grow.png',
    contentType: 'image/png',
    body: samplePng(500),
    objectType: 'Appendable',
    expected: 'UnsupportedObjectType',
  },
  {
    name: 'a symlink',
    key: 'users/alice/link.png',
    contentType: 'image/png',
    body: samplePng(500),
    objectType: 'Symlink',
    expected: 'UnsupportedObjectType',
  },
  {
    name: 'gzip-encoded bytes',
    key: 'users/alice/z.png',
    contentType: 'image/png',
    body: samplePng(500),
    contentEncoding: 'gzip',
    expected: 'EncodedContent',
  },
  // With a profiles file: each key is judged by the rules of the profile whose folder it is in.
  {
    name: 'a profile: a PDF in documents',
    profiles: true,
    key: 'users/alice/documents/2026/11/r.pdf',
    contentType: 'application/pdf',
    body: samplePdf(3000),
    expected: 'accepted',
  },
  {
    name: 'a profile: a PDF in documents STS folder',
    profiles: true,
    key: 'users/alice/documents/sts/mine.pdf',
    contentType: 'application/pdf',
    body: samplePdf(3000),
    expected: 'accepted',
  },
  {
    name: 'a profile: a PNG in photos, by photos rules',
    profiles: true,
    key: 'users/alice/photos/2026/11/p.png',
    contentType: 'image/png',
    body: samplePng(500),
    expected: 'accepted',
  },
  {
    name: 'a profile: a PNG in documents, whose types are PDF only',
    profiles: true,
    key: 'users/alice/documents/2026/11/p.png',
    contentType: 'image/png',
    body: samplePng(500),
    expected: 'TypeNotAllowed',
  },
  {
    name: 'a profile: a PDF under documents minBytes',
    profiles: true,
    key: 'users/alice/documents/2026/11/tiny.pdf',
    contentType: 'application/pdf',
    body: samplePdf(3000),
    size: 99,
    expected: 'TooSmall',
  },
  {
    name: 'a profile: the avatar, its one key',
    profiles: true,
    key: 'users/alice/avatar/current',
    contentType: 'image/jpeg',
    body: sampleJpeg(4000),
    expected: 'accepted',
  },
  {
    name: 'a profile: another key in the avatar folder',
    profiles: true,
    key: 'users/alice/avatar/2026/11/other.png',
    contentType: 'image/png',
    body: samplePng(500),
    expected: 'KeyNotGranted',
  },
  {
    name: 'a profile: a key in the STS folder of photos, which allows no STS',
    profiles: true,
    key: 'users/alice/photos/sts/x.png',
    contentType: 'image/png',
    body: samplePng(500),
    expected: 'KeyNotGranted',
  },
  {
    name: 'a profile: a key in no profile folder (the layout without profiles)',
    profiles: true,
    key: 'users/alice/2026/11/a.png',
    contentType: 'image/png',
    body: samplePng(500),
    expected: 'UnknownProfile',
  },
  {
    name: 'without profiles: a key in what would be a profile folder is the prefix like any other',
    key: 'users/alice/avatar/current',
    contentType: 'image/png',
    body: samplePng(500),
    expected: 'accepted',
  },
];

test.each(table)('$name → $expected', async (c) => {
  await expect(verdictOf(c)).resolves.toBe(c.expected);
});

test('every rejection reason has a case in the table (QuotaExceeded, which needs a listing, in upload-completed tests)', () => {
  const covered = new Set([...table.map((c) => c.expected), 'QuotaExceeded']);
  expect(REJECTION_REASONS.filter((reason) => !covered.has(reason))).toEqual([]);
});

test('an unreadable class the rules allow is accepted unread; the others are still rejected', () => {
  const allowing = { allowedUnreadableStorageClasses: ['Archive'] };
  expect(judgeUnreadable('Archive', allowing)).toBeUndefined();
  expect(judgeUnreadable('ColdArchive', allowing)).toBe('UnreadableStorageClass');
  expect(judgeUnreadable(undefined, allowing)).toBe('UnreadableStorageClass');
});

test('XML types are judged by their markup, not by a signature: a declared XML without prolog is accepted', async () => {
  const xml = Buffer.from('<catalog><item id="1"/></catalog>');
  expect(judgeContent('application/xml', await sniffContent(xml, 'application/xml'))).toBeUndefined();
});

test('an active type allowed on purpose is accepted with matching bytes, and refused with other markup', async () => {
  const svgRules = {
    ...rules,
    profiles: profilesFromVariables({ allowedContentTypes: ['image/svg+xml'], maxUploadBytes: 100_000, signedUrlTtlSeconds: 300 }),
  };
  const judge = async (body: Buffer): Promise<string> => {
    const first = judgeStoredObject(
      { key: 'users/alice/logo.svg', size: body.length, contentType: 'image/svg+xml', objectType: 'Normal', contentEncoding: undefined },
      svgRules,
      TYPE_EXTENSION_TABLE,
    );
    if (first.kind !== 'content') return first.kind;
    return judgeContent(first.contentType, await sniffContent(body, first.contentType)) ?? 'accepted';
  };
  await expect(judge(svg)).resolves.toBe('accepted');
  await expect(judge(html)).resolves.toBe('ContentMismatch');
  await expect(judge(samplePng(300))).resolves.toBe('ContentMismatch');
});

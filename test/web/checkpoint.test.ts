/**
 * The multipart mode's checkpoint store (web/multipart.ts): what a page left in storage is read back only when it is
 * a checkpoint, anything else reads as none (the upload starts over), and a full storage costs the resume only.
 */
import { checkpointKey, checkpointStore, readCheckpoint, type Checkpoint } from '../../web/multipart';

const point: Checkpoint = {
  version: 1,
  fileName: 'film.png',
  fileSize: 12 * 1024 * 1024,
  key: 'users/alice/2026/11/AAAAAAAAAAAAAAAAAAAAAA.png',
  uploadId: 'ID1',
  bucket: 'bucket',
  partSize: 5 * 1024 * 1024,
  partCount: 3,
  parts: { '1': '"E1"', '3': '"E3"' },
};

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (id) => items.get(id) ?? null,
    setItem: (id, value) => void items.set(id, value),
    removeItem: (id) => void items.delete(id),
  };
}

const id = checkpointKey('https://fc.example/api/sign-url', { name: 'film.png', size: point.fileSize, lastModified: 1 });

test('a saved checkpoint reads back as it was, and is gone once removed', () => {
  const storage = memoryStorage();
  const store = checkpointStore(storage, id);
  expect(store.read()).toBeUndefined();
  store.save(point);
  expect(store.read()).toEqual(point);
  store.remove();
  expect([store.read(), storage.items.size]).toEqual([undefined, 0]);
});

test.each<[string, unknown]>([
  ['not JSON', '{'],
  ['null', null],
  ['an array', [point]],
  ['another version', { ...point, version: 2 }],
  ['no key', { ...point, key: undefined }],
  ['an upload id that is a number', { ...point, uploadId: 1 }],
  ['a part size that is not whole', { ...point, partSize: 1.5 }],
  ['a part count as text', { ...point, partCount: '3' }],
  ['no parts', { ...point, parts: undefined }],
  ['parts null', { ...point, parts: null }],
  ['an ETag that is not a string', { ...point, parts: { '1': 5 } }],
])('%s in storage reads as no checkpoint', (_name, stored) => {
  const storage = memoryStorage();
  storage.items.set(id, typeof stored === 'string' ? stored : JSON.stringify(stored));
  expect(readCheckpoint(storage, id)).toBeUndefined();
});

test('a storage that refuses to write costs the resume, not the upload', () => {
  const full = {
    ...memoryStorage(),
    setItem: (): never => {
      throw new DOMException('storage is full', 'QuotaExceededError');
    },
  };
  expect(() => checkpointStore(full, id).save(point)).not.toThrow();
  expect(checkpointStore(full, id).read()).toBeUndefined();
  // No storage at all (blocked by the browser's settings, or `storage: null`): nothing to resume from.
  expect([readCheckpoint(undefined, id), checkpointStore(undefined, id).save(point)]).toEqual([undefined, undefined]);
});

test("a checkpoint is one file's per service and profile: the same file uploaded to another profile starts afresh", () => {
  const file = { name: 'film.png', size: point.fileSize, lastModified: 1 };
  const endpoint = 'https://fc.example/api/sign-url';
  // Without a profile, the key a checkpoint always had (so uploads under way before profiles still resume).
  expect(checkpointKey(endpoint, file)).toBe(`oss-multipart:${JSON.stringify([endpoint, 'film.png', point.fileSize, 1])}`);
  const keys = [checkpointKey(endpoint, file), checkpointKey(endpoint, file, 'videos'), checkpointKey(endpoint, file, 'documents')];
  expect(new Set(keys).size).toBe(3);
});

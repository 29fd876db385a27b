/**
 * The extension a server-chosen key carries, derived from the content type it is signed for: the type's usual
 * extensions come from mime-db (generated into mime-db-extensions.ts), and the client's filename may only choose
 * among them. So `image/png` with `x.html` gets `.png`, `image/jpeg` with `a.JPEG` gets `.jpeg`, with `a.png` the
 * type's usual `.jpg`; a type mime-db gives no extension gets none. One rule for every key the server picks
 * (sign-url's PUT and POST, multipart) and for judging keys after the fact.
 */
import { extensionOf } from './keys';
import { TYPE_EXTENSIONS } from './mime-db-extensions';

/**
 * Searching the 30 KB table costs ~10 µs, building a map of it ~0.3 ms at the first request; remembering the few
 * types an instance sees costs neither. Bounded, since `type/*` entries let clients send any number of types.
 */
const seen = new Map<string, readonly string[]>();
const MAX_REMEMBERED = 64;

/** The type's extensions without dots, its usual one first; none for a type mime-db does not list. */
export function extensionsOf(contentType: string): readonly string[] {
  const remembered = seen.get(contentType);
  if (remembered !== undefined) return remembered;
  const found = lookUp(contentType);
  if (seen.size < MAX_REMEMBERED) seen.set(contentType, found);
  return found;
}

function lookUp(contentType: string): readonly string[] {
  // The table is newline-separated `type ext…` lines: a type with a space or newline in it can never match.
  if (/\s/.test(contentType)) return [];
  const start = TYPE_EXTENSIONS.indexOf(`\n${contentType} `);
  if (start < 0) return [];
  const end = TYPE_EXTENSIONS.indexOf('\n', start + 1);
  return Object.freeze(TYPE_EXTENSIONS.slice(start + contentType.length + 2, end).split(' '));
}

/** `.ext` for a key of this type: the filename's extension when it is one of the type's, else the type's usual one. */
export function extensionFor(contentType: string, filename: string): string {
  const [usual, ...others] = extensionsOf(contentType);
  if (usual === undefined) return '';
  const requested = extensionOf(filename).slice(1);
  return `.${others.includes(requested) ? requested : usual}`;
}

/**
 * Which filename extensions name which content type, for judging keys after the fact: the same mime-db table the
 * server derives its keys' extensions from (`extensions.ts`), read in both directions.
 */
import { extensionsOf } from './extensions';
import { TYPE_EXTENSIONS } from './mime-db-extensions';

export interface TypeExtensions {
  /** Extensions (without the dot) of a type; undefined when the table does not know the type. */
  extensionsOf(contentType: string): ReadonlySet<string> | undefined;
  /** A type an extension (without the dot) names; undefined when it names none. */
  typeOf(extension: string): string | undefined;
}

export const TYPE_EXTENSION_TABLE: TypeExtensions = {
  extensionsOf(contentType) {
    const extensions = extensionsOf(contentType);
    return extensions.length === 0 ? undefined : new Set(extensions);
  },
  typeOf(extension) {
    // Lines are `\n<type> <ext> <ext>…`: find ` <ext>` ending a word, then the type that starts its line.
    if (!/^[a-z0-9]+$/.test(extension)) return undefined;
    const match = new RegExp(`\\n([^ \\n]+)(?: [^ \\n]+)* ${extension}(?=[ \\n])`).exec(TYPE_EXTENSIONS);
    return match?.[1];
  },
};

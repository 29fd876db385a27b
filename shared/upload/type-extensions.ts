/**
 * Which filename extensions name which content type: the `mime` package's standard table (IANA types and the
 * extensions browsers, CDNs and operating systems map them to), loaded on first use.
 */

export interface TypeExtensions {
  /** Extensions (without the dot) of a type; undefined when the table does not know the type. */
  extensionsOf(contentType: string): ReadonlySet<string> | undefined;
  /** The type an extension (without the dot) names; undefined when it names none. */
  typeOf(extension: string): string | undefined;
}

let table: Promise<TypeExtensions> | undefined;

export function loadTypeExtensions(): Promise<TypeExtensions> {
  return (table ??= import('mime/lite').then(({ default: mime }) => ({
    extensionsOf: (contentType) => mime.getAllExtensions(contentType) ?? undefined,
    typeOf: (extension) => mime.getType(extension) ?? undefined,
  })));
}

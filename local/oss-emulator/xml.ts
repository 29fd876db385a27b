/**
 * The little XML OSS speaks: answers built from plain objects (insertion order = element order, arrays =
 * repeated elements), and the one request body we must read (CompleteMultipartUpload). No dependency: the
 * shapes are fixed and tiny.
 */
import { OssError } from './errors';

export type XmlValue = string | number | boolean | undefined | XmlTree | ReadonlyArray<string | number | XmlTree>;
export interface XmlTree {
  readonly [name: string]: XmlValue;
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&apos;';
    }
  });
}

function isTree(value: XmlValue): value is XmlTree {
  return typeof value === 'object' && !Array.isArray(value);
}

function renderValue(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) {
    return (value as ReadonlyArray<string | number | XmlTree>).map((item) => renderValue(name, item)).join('');
  }
  if (isTree(value)) return `<${name}>${renderChildren(value)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function renderChildren(tree: XmlTree): string {
  return Object.entries(tree)
    .map(([name, value]) => renderValue(name, value))
    .join('');
}

/** A whole document: declaration, then `<root>…</root>`. */
export function toXml(root: string, tree: XmlTree): string {
  return `${XML_DECLARATION}${renderValue(root, tree)}`;
}

export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_whole, entity: string) => {
    switch (entity) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(entity.startsWith('#x') ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
    }
  });
}

export interface RequestedPart {
  partNumber: number;
  etag: string;
}

const malformed = (): OssError =>
  new OssError(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');

/** `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"…"</ETag></Part>…</CompleteMultipartUpload>` */
export function parseCompleteMultipartUpload(xml: string): RequestedPart[] {
  const body = /<CompleteMultipartUpload(?:\s[^>]*)?>([\s\S]*)<\/CompleteMultipartUpload>/.exec(xml);
  if (!body) throw malformed();
  const inner = body[1] ?? '';
  const parts: RequestedPart[] = [];
  const partPattern = /<Part>([\s\S]*?)<\/Part>/g;
  for (let match = partPattern.exec(inner); match; match = partPattern.exec(inner)) {
    const content = match[1] ?? '';
    const number = /<PartNumber>\s*([0-9]+)\s*<\/PartNumber>/.exec(content)?.[1];
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(content)?.[1];
    if (number === undefined || etag === undefined) throw malformed();
    parts.push({ partNumber: Number(number), etag: unescapeXml(etag.trim()) });
  }
  // Anything but whitespace and parts between the root tags means a body we do not understand.
  if (inner.replace(partPattern, '').trim() !== '') throw malformed();
  if (parts.length === 0) throw malformed();
  return parts;
}

/**
 * OSS's XML answers read with sax (isaacs/sax-js: no dependencies, strict mode, XML's own entities only, so no
 * entity expansion) into a small element tree. The answers we read are a few fixed, shallow shapes.
 */
import type * as Sax from 'sax';

export interface XmlElement {
  name: string;
  /** The element's own text (entities decoded), trimmed. */
  text: string;
  children: XmlElement[];
}

const MAX_DEPTH = 8;

// Required on first use, as shared/net/http-request.ts loads node:http: upload-completed reads XML only when OSS
// answers with an error, so its cold start never evaluates sax.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadSax = (): typeof Sax => require('sax') as typeof Sax;

/** The document's root element; throws on anything that is not well-formed XML. */
export function parseXml(xml: string): XmlElement {
  const parser = loadSax().parser(true, { trim: false, normalize: false });
  const stack: Array<XmlElement & { raw: string }> = [];
  let root: XmlElement | undefined;
  let failure: Error | undefined;
  parser.onerror = (error) => {
    failure ??= error;
    parser.resume();
  };
  parser.onopentag = (tag) => {
    if (stack.length >= MAX_DEPTH) failure ??= new Error('XML nested too deeply');
    const element = { name: tag.name, text: '', raw: '', children: [] };
    stack.at(-1)?.children.push(element);
    stack.push(element);
  };
  const addText = (text: string): void => {
    const current = stack.at(-1);
    if (current !== undefined) current.raw += text;
  };
  parser.ontext = addText;
  parser.oncdata = addText;
  parser.onclosetag = () => {
    const element = stack.pop();
    if (element === undefined) return;
    element.text = element.raw.trim();
    if (stack.length === 0) root ??= element;
  };
  parser.write(xml).close();
  if (failure !== undefined || root === undefined) throw new Error(failure === undefined ? 'XML without a root element' : 'malformed XML');
  return strip(root);
}

function strip(element: XmlElement): XmlElement {
  return { name: element.name, text: element.text, children: element.children.map(strip) };
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

export function childText(element: XmlElement, name: string): string | undefined {
  return element.children.find((child) => child.name === name)?.text;
}

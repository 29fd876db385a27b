/** Text made safe inside an XML element (the request bodies we send OSS, the answers we hand Uppy). */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Bundled in place of `@alicloud/tea-xml` (xml2js, xmlbuilder, sax: ~100 KB) in the function bundles. We ask STS
 * for JSON; openapi-client only parses XML for an error answered as `text/xml`, which then fails here and is
 * reported as the STS service being unavailable (503) instead of being classified by its code.
 */
export default {
  parseXml(): never {
    throw new Error('STS answered XML, which this bundle does not parse');
  },
};

// ali-oss ships its low-level signing helpers without typings; only what shared/upload/signature-schemes.ts uses is declared.
declare module 'ali-oss/lib/common/signUtils' {
  // The helpers call each other through `this`: call them as methods of the module object, never detached.
  interface SignUtils {
    getCanonicalRequest(
      method: string,
      request: { headers: Record<string, string>; queries?: Record<string, string | null> },
      bucketName: string,
      objectName: string,
      additionalHeaders?: string[],
    ): string;
    getStringToSign(region: string, date: string, canonicalRequest: string, product?: string): string;
    getSignatureV4(accessKeySecret: string, date: string, region: string, stringToSign: string, product?: string): string;
    getCredential(date: string, region: string, accessKeyId?: string, product?: string): string;
    buildCanonicalString(
      method: string,
      resourcePath: string,
      request: { headers: Record<string, string>; parameters?: Record<string, string | null> },
      expires?: string,
    ): string;
    computeSignature(accessKeySecret: string, canonicalString: string, headerEncoding?: string): string;
  }
  const signUtils: SignUtils;
  export = signUtils;
}

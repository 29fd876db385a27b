/**
 * The app-server answer as the Android and iOS OSS SDKs read it, written from their published sources, so that a
 * change of ours that they would misread fails a test (test/sdk/mobile-credential-parsers.test.ts).
 *
 * Android, aliyun/aliyun-oss-android-sdk (commit 8cbaeedf, 2024-11-27), oss-android-sdk/src/main/java/com/alibaba/
 * sdk/android/oss/common/auth/:
 *   - OSSAuthCredentialsProvider.getFederationToken(): `HttpURLConnection.getInputStream()` (which throws for an HTTP
 *     status of 400 or more, so the stock provider never reads an error body), `new JSONObject(body)`,
 *     `getInt("StatusCode")`; on 200 `getString` of AccessKeyId, AccessKeySecret, SecurityToken, Expiration and
 *     `new OSSFederationToken(ak, sk, token, expiration)`; otherwise `getString` of ErrorCode and ErrorMessage, thrown
 *     as `ClientException("ErrorCode: " + code + "| ErrorMessage: " + message)`.
 *   - OSSFederationToken.setExpirationInGMTFormat(): `SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss")` in UTC (lenient, and
 *     `parse(String)` reads from the start without needing the whole text: a zone suffix is ignored, so an offset
 *     other than Z is misread as UTC); on a ParseException the token lives 30 s from now.
 *   - OSSFederationCredentialProvider.getValidFederationToken(): refetches once now > expiration - 5 minutes.
 *   - Android's org.json: `getInt` takes a Number (truncated) or a String Double.parseDouble reads; `getString` takes
 *     any non-null value as String.valueOf (a JSON null reads as "null"); a missing name throws JSONException.
 *
 * iOS, aliyun/aliyun-oss-ios-sdk (commit 0e20cab9, 2025-04-28), AliyunOSSSDK/OSSModel.m:
 *   - OSSAuthCredentialProvider: the body whatever the HTTP status (NSURLSession fails only on transport errors),
 *     `NSJSONSerialization JSONObjectWithData:options:kNilOptions` (an object or an array; anything else nil),
 *     `[[object objectForKey:@"StatusCode"] intValue]` (NSNumber or NSString; missing is 0); on 200 the four fields
 *     taken as they are into OSSFederationToken (tAccessKey, tSecretKey, tToken, expirationTimeInGMTFormat), else nil.
 *   - OSSFederationCredentialProvider getToken: on the next call, `expirationTimeInGMTFormat` is parsed by an
 *     NSDateFormatter with `yyyy-MM-dd'T'HH:mm:ssZ` (en_US_POSIX): the whole text must match, so fractional seconds
 *     make it nil, i.e. expiration 0, and the token is fetched again before every request; refetches once less than
 *     5 minutes remain.
 */

export interface ParsedToken {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** Seconds since the epoch, as the SDK will act on it. */
  expirationSeconds: number;
}

/** What the Android provider's `getFederationToken()` comes to. */
export type AndroidOutcome = { token: ParsedToken } | { clientException: string };

/** What the iOS provider's getter block comes to: a token, nil, or an Objective-C exception (a crash). */
export type IosOutcome = { token: ParsedToken } | { nil: true } | { crash: string };

class JSONException extends Error {}

function androidInt(object: Record<string, unknown>, name: string): number {
  if (!(name in object)) throw new JSONException(`No value for ${name}`);
  const value = object[name];
  if (typeof value === 'number') return Math.trunc(value);
  // Double.parseDouble: surrounding whitespace, a sign, decimals, an exponent, a d/f suffix.
  if (typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?\s*$/.test(value)) {
    return Math.trunc(Number.parseFloat(value.trim()));
  }
  throw new JSONException(`Value ${String(value)} at ${name} cannot be converted to int`);
}

function androidString(object: Record<string, unknown>, name: string): string {
  if (!(name in object)) throw new JSONException(`No value for ${name}`);
  const value = object[name];
  if (typeof value === 'string') return value;
  if (value === null) return 'null';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** `SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss")`, UTC, lenient, reading a prefix; on failure `now + 30`. */
export function androidExpirationSeconds(text: string, nowSeconds: number): number {
  const match = /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)/.exec(text);
  if (match === null) return nowSeconds + 30;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  return Math.floor(Date.UTC(year, month - 1, day, hour, minute, second) / 1000);
}

/** The stock `OSSAuthCredentialsProvider`: HTTP statuses of 400 and more throw before the body is read. */
export function androidStockProvider(status: number, body: string, nowSeconds: number): AndroidOutcome {
  if (status >= 400) return { clientException: `java.io.IOException: Server returned HTTP response code: ${status}` };
  return androidParse(body, nowSeconds);
}

/** The body as `getFederationToken()` reads it (a custom provider that reads the error stream too gets this for errors). */
export function androidParse(body: string, nowSeconds: number): AndroidOutcome {
  try {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new JSONException('Value is not a JSON object');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new JSONException('Value cannot be converted to JSONObject');
    const object = parsed as Record<string, unknown>;
    if (androidInt(object, 'StatusCode') === 200) {
      return {
        token: {
          accessKeyId: androidString(object, 'AccessKeyId'),
          accessKeySecret: androidString(object, 'AccessKeySecret'),
          securityToken: androidString(object, 'SecurityToken'),
          expirationSeconds: androidExpirationSeconds(androidString(object, 'Expiration'), nowSeconds),
        },
      };
    }
    return {
      clientException: `ErrorCode: ${androidString(object, 'ErrorCode')}| ErrorMessage: ${androidString(object, 'ErrorMessage')}`,
    };
  } catch (error) {
    return { clientException: `org.json.JSONException: ${(error as Error).message}` };
  }
}

/** `-[NSString intValue]` / `-[NSNumber intValue]`; anything else has no `intValue`: a crash. Missing (nil) is 0. */
function iosIntValue(value: unknown): number | { crash: string } {
  if (value === undefined) return 0;
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const match = /^\s*([+-]?\d+)/.exec(value);
    return match === null ? 0 : Number.parseInt(match[1]!, 10);
  }
  return { crash: `-[${value === null ? 'NSNull' : Array.isArray(value) ? 'NSArray' : 'NSDictionary'} intValue]: unrecognized selector` };
}

/** NSDateFormatter `yyyy-MM-dd'T'HH:mm:ssZ`, en_US_POSIX, not lenient: the whole text, valid fields; nil is 0. */
export function iosExpirationSeconds(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:Z|([+-])(\d{2})(?::?(\d{2}))?)$/.exec(text);
  if (match === null) return 0;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offsetMinutes = match[7] === undefined ? 0 : (match[7] === '-' ? -1 : 1) * (Number(match[8]) * 60 + Number(match[9] ?? 0));
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Not lenient: 2026-02-30 or 25:00 do not roll over, they fail.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return 0;
  return Math.floor(date.getTime() / 1000) - offsetMinutes * 60;
}

/** The iOS provider's getter block, then the expiration as its next `getToken:` parses it. */
export function iosParse(body: string): IosOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { nil: true }; // nil object: every objectForKey: is nil, StatusCode 0
  }
  if (typeof parsed !== 'object' || parsed === null) return { nil: true }; // fragments need NSJSONReadingAllowFragments
  if (Array.isArray(parsed)) return { crash: '-[__NSArrayI objectForKey:]: unrecognized selector' };
  const object = parsed as Record<string, unknown>;
  const statusCode = iosIntValue(object['StatusCode']);
  if (typeof statusCode !== 'number') return statusCode;
  if (statusCode !== 200) return { nil: true };
  const fields = ['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration'].map((name) => object[name]);
  // Stored as they are into NSString properties: anything but a string breaks signing later (no -UTF8String).
  const bad = fields.findIndex((value) => typeof value !== 'string');
  if (bad >= 0) return { crash: `${['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'Expiration'][bad]} is not an NSString` };
  const [accessKeyId, accessKeySecret, securityToken, expiration] = fields as [string, string, string, string];
  return { token: { accessKeyId, accessKeySecret, securityToken, expirationSeconds: iosExpirationSeconds(expiration) } };
}

/** Both SDKs refetch once less than 5 minutes remain: how long a token is used before that, in seconds. */
export const usableSeconds = (token: ParsedToken, nowSeconds: number): number => token.expirationSeconds - 300 - nowSeconds;

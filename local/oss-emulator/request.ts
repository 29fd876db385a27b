/**
 * From an HTTP request line and headers to what OSS reasons about: which key of our one bucket is addressed,
 * the decoded query and the lower-cased headers.
 *
 * Addressing. OSS itself only sees virtual-hosted requests (`<bucket>.<endpoint>/<key>`); locally three forms
 * arrive at one port:
 *   - virtual-hosted: `Host: <bucket>.<anything>` (ali-oss with an IP endpoint sends `Host:
 *     <bucket>.oss-<region>.aliyuncs.com`): the whole path is the key;
 *   - path style `/<bucket>/<key>` (ali-oss `sldEnable: true`, our signed URLs);
 *   - custom-domain style `/<key>` (ali-oss `cname: true`).
 * The last two are ambiguous: in custom-domain style a key whose first segment equals the bucket name would
 * read as path style. We decide: when the Host is not virtual-hosted and the first path segment equals the bucket
 * name, it is path style. Such keys (`<bucket>/…`) are therefore only reachable path-style or virtual-hosted.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { SignableRequest } from './canonical';
import { OssError } from './errors';

export type AddressingStyle = 'virtual-hosted' | 'path' | 'custom-domain';

export interface OssRequest extends SignableRequest {
  style: AddressingStyle;
  /** The path as sent, without the query (for logs: never the query, which may carry a signature). */
  rawPath: string;
}

const invalidUri = (detail: string): OssError => new OssError(400, 'InvalidURI', `Couldn't parse the specified URI: ${detail}`);

function decodeComponent(text: string, plusIsSpace: boolean): string {
  try {
    return decodeURIComponent(plusIsSpace ? text.replace(/\+/g, ' ') : text);
  } catch {
    throw invalidUri('bad percent-encoding.');
  }
}

/** Decoded pairs in order; `?a&b=` gives `[['a',''],['b','']]`. `+` is a space, as form-encoded queries mean. */
export function parseQuery(rawQuery: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const item of rawQuery.split('&')) {
    if (item === '') continue;
    const at = item.indexOf('=');
    const name = decodeComponent(at < 0 ? item : item.slice(0, at), true);
    const value = at < 0 ? '' : decodeComponent(item.slice(at + 1), true);
    pairs.push([name, value]);
  }
  return pairs;
}

export function normaliseHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    result[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return result;
}

export function isVirtualHosted(host: string | undefined, bucket: string): boolean {
  if (host === undefined) return false;
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  return hostname.startsWith(`${bucket.toLowerCase()}.`);
}

export function resolveRequest(method: string, rawUrl: string, headers: IncomingHttpHeaders, bucket: string): OssRequest {
  // Absolute-form request targets (`GET http://host/path`) come from proxies; keep only path and query.
  const target = /^https?:\/\//i.test(rawUrl) ? rawUrl.replace(/^https?:\/\/[^/]*/i, '') || '/' : rawUrl;
  const questionMark = target.indexOf('?');
  const rawPath = questionMark < 0 ? target : target.slice(0, questionMark);
  const rawQuery = questionMark < 0 ? '' : target.slice(questionMark + 1);
  if (!rawPath.startsWith('/')) throw invalidUri('the path must start with "/".');
  const normalised = normaliseHeaders(headers);

  let style: AddressingStyle;
  let rawKey: string;
  if (isVirtualHosted(normalised['host'], bucket)) {
    style = 'virtual-hosted';
    rawKey = rawPath.slice(1);
  } else {
    const rest = rawPath.slice(1);
    const slash = rest.indexOf('/');
    const firstSegment = decodeComponent(slash < 0 ? rest : rest.slice(0, slash), false);
    if (firstSegment === bucket) {
      style = 'path';
      rawKey = slash < 0 ? '' : rest.slice(slash + 1);
    } else {
      style = 'custom-domain';
      rawKey = rest;
    }
  }

  return {
    method: method.toUpperCase(),
    bucket,
    key: decodeComponent(rawKey, false),
    query: parseQuery(rawQuery),
    headers: normalised,
    style,
    rawPath,
  };
}

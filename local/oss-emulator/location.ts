/**
 * `Location` (PostObject's header and `PostResponse`, CompleteMultipartUpload's XML): the URL a client GETs the
 * object at. OSS answers `http(s)://<bucket>.<endpoint>/<key>`, the virtual-hosted form of the host it was sent
 * to. The emulator answers in the form it was addressed in, so the URL always resolves back to the object:
 * virtual-hosted (`Host: <bucket>.…`) and endpoint/custom-domain (`Host: 127.0.0.1:9100`, what `OSS_ENDPOINT`
 * and ali-oss `cname: true` use) → `http://<Host>/<key>`; path style → `http://<Host>/<bucket>/<key>`.
 */
import { rfc3986Encode } from './canonical';
import type { OssRequest } from './request';

export function objectLocation(request: Pick<OssRequest, 'style' | 'headers' | 'bucket'>, key: string): string {
  const host = request.headers['host'] ?? '127.0.0.1';
  const path = key.split('/').map(rfc3986Encode).join('/');
  return request.style === 'path' ? `http://${host}/${rfc3986Encode(request.bucket)}/${path}` : `http://${host}/${path}`;
}

/**
 * Headers (and PostObject fields) of an upload that real OSS acts on beyond storing the bytes. Each is modelled, or
 * refused loudly with 501 NotImplemented naming it, so that the emulator never stores an object while quietly
 * ignoring what OSS would have done with it. One row per directive: add a row to cover another.
 *
 * A row lists the values the emulator models (compared in lower case); `otherValues` lists what else OSS accepts
 * (refused with 501); any other value is 400 InvalidArgument, as OSS answers; with no `otherValues`, every value
 * is refused. An empty value counts as absent. These checks run after the signature, the policy and RAM, so a
 * header a signature does not cover, or a field a policy pins otherwise, fails there first, as it does on OSS.
 */
import { OssError, invalidArgument } from './errors';

export type UploadOperation = 'PutObject' | 'PostObject' | 'InitiateMultipartUpload' | 'CompleteMultipartUpload';

interface Directive {
  /** The header name (lower case); the PostObject field of the same name unless `field` says otherwise. */
  header: string;
  /** The PostObject form field, when it differs from the header. */
  field?: string;
  on: readonly UploadOperation[];
  modelled: readonly string[];
  otherValues?: readonly string[];
  /** Why the emulator refuses it: what OSS would do that the emulator does not. */
  refusal: string;
}

const WRITES: readonly UploadOperation[] = ['PutObject', 'PostObject', 'InitiateMultipartUpload'];

export const UPLOAD_DIRECTIVES: readonly Directive[] = [
  {
    header: 'x-oss-object-acl',
    on: WRITES,
    // public-read is modelled: anyone may then GET and HEAD the object without a signature.
    modelled: ['default', 'private', 'public-read'],
    otherValues: ['public-read-write'],
    refusal: 'public-read-write (anonymous writes to the object) is not emulated',
  },
  {
    header: 'x-oss-object-acl',
    on: ['CompleteMultipartUpload'],
    modelled: [],
    refusal: 'an ACL given on CompleteMultipartUpload is not emulated; give it on InitiateMultipartUpload',
  },
  {
    header: 'x-oss-callback',
    field: 'callback',
    on: ['PutObject', 'PostObject', 'CompleteMultipartUpload'],
    modelled: [],
    refusal: 'upload callbacks (OSS would POST to the callback URL and answer with its reply) are not emulated',
  },
  {
    header: 'success_action_redirect',
    field: 'success_action_redirect',
    on: ['PostObject'],
    modelled: [],
    refusal: 'redirects after PostObject are not emulated',
  },
  {
    header: 'x-oss-server-side-encryption',
    on: WRITES,
    modelled: [],
    refusal: 'server-side encryption (and the KMS permissions reading it would need) is not emulated',
  },
  {
    header: 'x-oss-server-side-data-encryption',
    on: WRITES,
    modelled: [],
    refusal: 'server-side encryption is not emulated',
  },
  {
    header: 'x-oss-server-side-encryption-key-id',
    on: WRITES,
    modelled: [],
    refusal: 'server-side encryption with a KMS key is not emulated',
  },
  {
    header: 'x-oss-tagging',
    on: WRITES,
    modelled: [],
    refusal: 'object tagging (and the oss:PutObjectTagging permission it needs) is not emulated',
  },
  {
    header: 'x-oss-traffic-limit',
    on: ['PutObject', 'PostObject'],
    modelled: [],
    refusal: 'bandwidth limits are not emulated',
  },
];

/**
 * Refuses what the emulator does not model, for one operation. `valueOf` reads a header (lower-case name) or, for
 * PostObject, a form field (lower-case name).
 */
export function checkUploadDirectives(operation: string, valueOf: (name: string) => string | undefined): void {
  const form = operation === 'PostObject';
  for (const directive of UPLOAD_DIRECTIVES) {
    if (!directive.on.includes(operation as UploadOperation)) continue;
    const name = form ? (directive.field ?? directive.header) : directive.header;
    const value = valueOf(name)?.trim();
    if (value === undefined || value === '') continue;
    const lower = value.toLowerCase();
    if (directive.modelled.includes(lower)) continue;
    if (directive.otherValues !== undefined && !directive.otherValues.includes(lower)) {
      throw invalidArgument(`${name} has a value OSS does not accept.`, { ArgumentName: name, ArgumentValue: value.slice(0, 64) });
    }
    const modelled = directive.modelled.length === 0 ? 'none' : directive.modelled.join(', ');
    throw new OssError(
      501,
      'NotImplemented',
      `The emulator refuses ${form ? 'form field' : 'header'} ${name} on ${operation}: ${directive.refusal}. Values it models: ${modelled}.`,
      form ? { FormField: name } : { Header: name },
    );
  }
}

/** Whether an object's stored headers make it readable by anyone (the one ACL the emulator models beyond private). */
export function isPublicRead(storedHeaders: Readonly<Record<string, string>>): boolean {
  return storedHeaders['x-oss-object-acl']?.trim().toLowerCase() === 'public-read';
}

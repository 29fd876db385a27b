/**
 * Why a bearer token was refused: one stable code per cause, for the log line (operators search for it), and the
 * message the caller sees (which never echoes the token). Both verification paths (HS256 and JWKS) use this table.
 */
import { unauthorized, type HttpError } from '../edge/errors';

export const TOKEN_REJECTIONS = {
  missing_token: 'missing bearer token',
  not_bearer: 'Authorization must be "Bearer <token>"',
  token_too_long: 'token is too long',
  malformed_token: 'token is malformed',
  crit_not_supported: 'token has a critical header parameter that is not supported',
  alg_not_allowed: 'token algorithm is not accepted',
  unknown_key: 'token key is unknown',
  bad_signature: 'token signature is invalid',
  typ_mismatch: 'token type is not accepted',
  invalid_exp: 'token claim exp is missing or invalid',
  invalid_nbf: 'token claim nbf is invalid',
  invalid_iat: 'token claim iat is missing or invalid',
  issuer_mismatch: 'token issuer is not accepted',
  audience_mismatch: 'token audience is not accepted',
  token_not_yet_valid: 'token is not yet valid',
  token_expired: 'token has expired',
  token_too_old: 'token is older than the accepted maximum age',
  iat_in_future: 'token claim iat is in the future',
  missing_subject: 'token claim sub is missing or invalid',
  subject_not_well_formed: 'token subject is not well-formed Unicode',
} as const;

export type TokenRejectionReason = keyof typeof TOKEN_REJECTIONS;

/**
 * A 401 with `WWW-Authenticate`, the caller's message, and the reason code for the log. `detail`, appended to the
 * message and written to the log line as its cause, must be printable ASCII and hold nothing secret (`identity.ts`
 * builds the only ones, for issuer_mismatch and audience_mismatch: expected against what the token carried).
 */
export function tokenRejected(reason: TokenRejectionReason, detail?: string): HttpError {
  return detail === undefined
    ? unauthorized(TOKEN_REJECTIONS[reason], { reason })
    : unauthorized(`${TOKEN_REJECTIONS[reason]}: ${detail}`, { reason, logDetail: detail });
}

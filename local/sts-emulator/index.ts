/**
 * A local Alibaba Cloud STS (AssumeRole only) for development and tests. See server.ts for the HTTP
 * behaviour, authenticate.ts/signature.ts for the signature checks and assume-role.ts for validation.
 */
export { startStsEmulator } from './server';
export type { AssumeRoleRecord, RunningStsEmulator, StsEmulatorOptions, StsFault, StsRole } from './types';

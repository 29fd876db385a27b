import type { CredentialResolver } from '../emulator-accounts';

export interface StsRole {
  /** `acs:ram::<account>:role/<name>` */
  arn: string;
  /** The role's own permission policy, as RAM policy JSON. */
  policy: string;
  /** 3600..43200 as in RAM; default 3600. */
  maxSessionDurationSeconds?: number;
}

export interface StsEmulatorOptions {
  /** Who may call AssumeRole (e.g. `staticAccounts([...])`); each caller also needs `sts:AssumeRole` on the role. */
  callers: CredentialResolver;
  roles: StsRole[];
  /** The emulator's clock: timestamps, nonces and expirations all use it. Default: the system clock. */
  now?: () => Date;
  /** A loopback address only; default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

export interface AssumeRoleRecord {
  roleSessionName: string;
  /** As requested; 3600 when absent, NaN when not an integer. */
  durationSeconds: number;
  policy: string | undefined;
}

export type StsFault =
  | { kind: 'delay'; ms: number }
  | { kind: 'status'; status: number; code: string }
  | { kind: 'throttle' }
  | { kind: 'malformed' }
  | { kind: 'hang' };

export interface RunningStsEmulator {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** `127.0.0.1:PORT`, what the SDK's `Config.endpoint` wants. */
  endpoint: string;
  close(): Promise<void>;
  /** AssumeRole requests received, whatever their outcome (faults, bad signatures and validation errors included). */
  assumeRoleCalls(): number;
  /** The parameters of those requests, oldest first (last 100); never secrets or tokens. */
  lastRequests(): AssumeRoleRecord[];
  /** Applies to every request from now on, until cleared with `undefined`. */
  setFault(fault: StsFault | undefined): void;
  /** Resolves credentials this emulator issued (for the OSS emulator). */
  credentialResolver(): CredentialResolver;
}

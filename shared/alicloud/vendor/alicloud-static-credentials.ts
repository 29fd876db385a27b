/**
 * Bundled in place of `@alicloud/credentials` in the function bundles (tools/build.mjs). openapi-client 0.4.15
 * builds its credential from the keys we pass (`access_key`, or `sts` with a security token) and only ever calls
 * the getters below; the real package brings its whole provider chain (ECS metadata, OIDC, URI, config files…:
 * ~65 KB and ~20 ms of sts-token's cold start, docs/internals.md, "Dependencies") that a handler given keys never uses.
 */

export class Config {
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
  type?: string;

  constructor(map: Record<string, unknown> = {}) {
    Object.assign(this, map);
  }
}

export default class StaticCredential {
  constructor(private readonly config: Config) {
    if (config.type !== 'access_key' && config.type !== 'sts') {
      throw new Error(`only access_key and sts credentials are bundled, not ${String(config.type)}`);
    }
  }

  async getCredential(): Promise<{
    accessKeyId: string | undefined;
    accessKeySecret: string | undefined;
    securityToken: string | undefined;
    type: string | undefined;
    providerName: string;
  }> {
    return {
      accessKeyId: this.config.accessKeyId,
      accessKeySecret: this.config.accessKeySecret,
      securityToken: this.config.securityToken,
      type: this.config.type,
      providerName: '',
    };
  }

  async getAccessKeyId(): Promise<string | undefined> {
    return this.config.accessKeyId;
  }

  async getAccessKeySecret(): Promise<string | undefined> {
    return this.config.accessKeySecret;
  }

  async getSecurityToken(): Promise<string | undefined> {
    return this.config.securityToken;
  }

  getType(): string | undefined {
    return this.config.type;
  }
}

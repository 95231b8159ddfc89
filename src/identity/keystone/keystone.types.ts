/** What the Keystone v3 client and the service session take and give (keystone-client.ts, service-session.ts). */

export interface KeystoneServiceEndpoint {
  id?: string;
  /** public | internal | admin */
  interface: string;
  region_id?: string | null;
  region?: string | null;
  url: string;
}

/** One service of a token's catalog. */
export interface KeystoneCatalogEntry {
  id?: string;
  type: string;
  name?: string;
  endpoints: KeystoneServiceEndpoint[];
}

export interface KeystoneDomainRef {
  id: string;
  name?: string;
}

export interface KeystoneUserRef {
  id: string;
  name: string;
  domain: KeystoneDomainRef;
  /** = domain.id */
  domainId: string;
}

export interface KeystoneProjectRef {
  id: string;
  name: string;
  domain: KeystoneDomainRef;
  /** = domain.id */
  domainId: string;
}

/** The trust a trust-scoped token was issued for. */
export interface KeystoneTokenTrust {
  id: string;
  trustorUserId: string;
  trusteeUserId: string;
  impersonation: boolean;
}

/** A token Keystone issued, and what it says about its bearer. */
export interface KeystoneToken {
  /** the token itself (X-Subject-Token): a secret, never log it */
  token: string;
  expiresAt: Date;
  issuedAt: Date | null;
  /** how it was obtained: ["password"], ["token"], ... */
  methods: string[];
  /** for a trust-scoped token with impersonation: the trustor */
  user: KeystoneUserRef;
  /** null for an unscoped token */
  project: KeystoneProjectRef | null;
  /** role names, including implied ones (member implies reader) */
  roles: string[];
  /** empty for unscoped tokens and when asked without catalog */
  catalog: KeystoneCatalogEntry[];
  /** set for a trust-scoped token */
  trust: KeystoneTokenTrust | null;
}

/** Someone's token as the service sees it after validation (no secret in it: cacheable, loggable). */
export interface ValidatedToken {
  user: KeystoneUserRef;
  /** null for an unscoped token */
  project: KeystoneProjectRef | null;
  roles: string[];
  expiresAt: Date;
  /** holds the admin role in the token's scope */
  isAdmin: boolean;
  /** set when it is a trust-scoped token */
  trust: KeystoneTokenTrust | null;
}

/** A user's password login: defined in config, which reads it from clouds.yaml (config is below identity). */
export type { PasswordCredentials } from '../../config/password-credentials';

/** POST /v3/OS-TRUST/trusts: the trustor delegates roles in a project to the trustee. */
export interface TrustRequest {
  trustorUserId: string;
  trusteeUserId: string;
  projectId: string;
  /** the delegated roles; the trustor must hold each in the project (else Keystone answers 404) */
  roleNames?: string[];
  /** @deprecated the same as roleNames */
  roles?: string[];
  /** true: trust-scoped tokens name the trustor as their user */
  impersonation: boolean;
  /** no expiry when absent or null */
  expiresAt?: Date | null;
}

export interface Trust {
  id: string;
  trustorUserId: string;
  trusteeUserId: string;
  projectId: string;
  roles: string[];
  impersonation: boolean;
  expiresAt: Date | null;
  /** null = unlimited; each trust-scoped token issued uses one */
  remainingUses: number | null;
}

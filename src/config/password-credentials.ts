/**
 * A user's password login to Keystone (domain "default" unless told): read from clouds.yaml or the
 * OS_* variables here in config (cloud-config.ts), used to log in by identity/keystone. It lives in
 * config, the lower layer, so that config need not import identity.
 */
export interface PasswordCredentials {
  /** informational: the client's own URL is the one used */
  authUrl?: string;
  username: string;
  password: string;
  /** the user's domain id (default "default") */
  userDomain?: string;
  /** project scope by name (with projectDomain); neither project nor projectId = an unscoped token */
  project?: string;
  /** project scope by id, instead of by name */
  projectId?: string;
  /** the project's domain id (default: the user's domain) */
  projectDomain?: string;
  /** the user's domain by name instead of id (clouds.yaml's user_domain_name) */
  userDomainName?: string;
  /** the project's domain by name instead of id (clouds.yaml's project_domain_name) */
  projectDomainName?: string;
}

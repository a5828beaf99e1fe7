// The stored entities of accounts, credentials and configs, as the Store returns them.
// Times are whole epoch seconds.

export interface Account {
  id: number;
  subdomain: string;
  createdAt: number;
  /** A doctor account (`accounts create --doctor`): the integration doctor's own, never a tenant. */
  doctor?: true;
}

export interface Integration {
  id: number;
  accountId: number;
  name: string;
  clientIdentifier: string;
  clientSecretHash: string;
  createdAt: number;
}

export interface ConfigRecord {
  id: number;
  accountId: number;
  integration: string;
  scope: string;
  /** The config object as JSON text, exactly as stored. */
  configJson: string;
  /** Starts at 1, +1 on every write: the basis of the ETag. */
  version: number;
  createdAt: number;
  updatedAt: number;
}

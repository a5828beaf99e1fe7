import type {
  BundleRecord,
  ConnectionRecord,
  ConnectionType,
  JobSpecInstall,
  OAuthClientRecord,
} from './zis-registry-store.js';

// The registry tables' rows as both stores select them (snake_case columns), and the
// records they become.

export interface BundleRow {
  id: number;
  account_id: number;
  integration: string;
  name: string;
  version: number;
  uuid: string;
  description: string;
  template_version: string;
  resources: string;
  uploaded_at: number;
}

export const toBundle = (row: BundleRow): BundleRecord => ({
  id: Number(row.id),
  accountId: Number(row.account_id),
  integration: row.integration,
  name: row.name,
  version: Number(row.version),
  uuid: row.uuid,
  description: row.description,
  templateVersion: row.template_version,
  resourcesJson: row.resources,
  uploadedAt: Number(row.uploaded_at),
});

export interface JobSpecInstallRow {
  id: number;
  account_id: number;
  integration: string;
  job_spec_name: string;
  installed_at: number;
}

export const toJobSpecInstall = (row: JobSpecInstallRow): JobSpecInstall => ({
  id: Number(row.id),
  accountId: Number(row.account_id),
  integration: row.integration,
  jobSpecName: row.job_spec_name,
  installedAt: Number(row.installed_at),
});

export interface ConnectionRow {
  id: number;
  account_id: number;
  integration: string;
  name: string;
  type: ConnectionType;
  allowed_domain: string;
  label: string | null;
  secret: string;
  created_at: number;
  updated_at: number;
}

export const toConnection = (row: ConnectionRow): ConnectionRecord => ({
  id: Number(row.id),
  accountId: Number(row.account_id),
  integration: row.integration,
  name: row.name,
  connectionType: row.type,
  allowedDomain: row.allowed_domain,
  label: row.label,
  secret: row.secret,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

export interface OAuthClientRow {
  id: number;
  uuid: string;
  account_id: number;
  integration: string;
  name: string | null;
  client_id: string;
  client_secret: string;
  auth_url: string | null;
  token_url: string;
  default_scopes: string | null;
  grant_type: OAuthClientRecord['grantType'];
  created_at: number;
  updated_at: number;
}

export const toOAuthClient = (row: OAuthClientRow): OAuthClientRecord => ({
  id: Number(row.id),
  uuid: row.uuid,
  accountId: Number(row.account_id),
  integration: row.integration,
  name: row.name,
  clientId: row.client_id,
  clientSecret: row.client_secret,
  authUrl: row.auth_url,
  tokenUrl: row.token_url,
  defaultScopes: row.default_scopes,
  grantType: row.grant_type,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

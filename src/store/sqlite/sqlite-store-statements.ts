import type Database from 'better-sqlite3';
import { sql } from './queries.js';
import { revocationSql } from './revocation-queries.js';
import { oauthGrantSql } from './oauth-grant-queries.js';

/** The store's own statements, prepared once the schema exists (after migrating). */
export function prepareStoreStatements(db: Database.Database) {
  const p = (text: string) => db.prepare(text);
  return {
    anyAccount: p(sql.anyAccount),
    insertAccount: p(sql.insertAccount),
    markDoctorAccount: p(sql.markDoctorAccount),
    accountById: p(sql.accountById),
    accountBySubdomain: p(sql.accountBySubdomain),
    allAccounts: p(sql.allAccounts),
    insertAdminToken: p(sql.insertAdminToken),
    adminByTokenHash: p(sql.adminByTokenHash),
    insertIntegration: p(sql.insertIntegration),
    integrationByName: p(sql.integrationByName),
    integrationByClient: p(sql.integrationByClient),
    insertAccessToken: p(sql.insertAccessToken),
    accessToken: p(sql.accessToken),
    integrationsOfAccount: p(sql.integrationsOfAccount),
    integrationById: p(sql.integrationById),
    rotateClientSecret: p(sql.rotateClientSecret),
    accessTokensOfAccount: p(sql.accessTokensOfAccount),
    accessTokenById: p(sql.accessTokenById),
    deleteAccessToken: p(sql.deleteAccessToken),
    recordAccessTokenUse: p(sql.recordAccessTokenUse),
    listConfigsExact: p(sql.listConfigsExact),
    listConfigsPrefix: p(sql.listConfigsPrefix),
    listConfigsGlob: p(sql.listConfigsGlob),
    configByScope: p(sql.configByScope),
    dataVersion: db.prepare(sql.dataVersion).pluck(),
    insertConfig: p(sql.insertConfig),
    updateConfig: p(sql.updateConfig),
    deleteConfig: p(sql.deleteConfig),
    adminTokensOfAccount: p(revocationSql.adminTokensOfAccount),
    countAdminTokensOfAccount: p(revocationSql.countAdminTokensOfAccount),
    adminTokenOfAccount: p(revocationSql.adminTokenOfAccount),
    deleteAdminToken: p(revocationSql.deleteAdminToken),
    bumpRevocationVersion: p(revocationSql.bumpRevocationVersion),
    revocationVersion: p(revocationSql.revocationVersion),
    deleteRefreshTokensOf: p(oauthGrantSql.deleteRefreshTokensOf),
  };
}

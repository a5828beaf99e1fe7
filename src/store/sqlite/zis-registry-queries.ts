import { forSqlite } from '../sql/render.js';
import { zisRegistryStatements } from '../sql/zis-registry.js';

/** The SQL of the ZIS registry on SQLite, as plain text. */
export const zisRegistrySql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forSqlite(zisRegistryStatements),
  /** The next version of a bundle: version 1 and the given uuid for a new name. */
  insertBundleVersion: `
    INSERT INTO zis_bundles
      (account_id, integration, name, version, uuid, description, template_version, resources, uploaded_at)
    SELECT $1, $2, $3, COALESCE(MAX(version), 0) + 1, COALESCE(MIN(uuid), $4), $5, $6, $7, $8
    FROM zis_bundles WHERE account_id = $1 AND integration = $2 AND name = $3
    RETURNING *`,
  latestBundles: `
    SELECT b.* FROM zis_bundles AS b
    WHERE b.account_id = ? AND b.integration = ? AND b.name > ?
      AND b.version = (SELECT MAX(v.version) FROM zis_bundles AS v
                       WHERE v.account_id = b.account_id AND v.integration = b.integration AND v.name = b.name)
    ORDER BY b.name LIMIT ?`,
} as const;

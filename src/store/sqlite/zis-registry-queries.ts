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
    SELECT @accountId, @integration, @name, COALESCE(MAX(version), 0) + 1, COALESCE(MIN(uuid), @uuid),
      @description, @templateVersion, @resourcesJson, @nowSeconds
    FROM zis_bundles WHERE account_id = @accountId AND integration = @integration AND name = @name
    RETURNING *`,
  latestBundles: `
    SELECT b.* FROM zis_bundles AS b
    WHERE b.account_id = ? AND b.integration = ? AND b.name > ?
      AND b.version = (SELECT MAX(v.version) FROM zis_bundles AS v
                       WHERE v.account_id = b.account_id AND v.integration = b.integration AND v.name = b.name)
    ORDER BY b.name LIMIT ?`,
} as const;

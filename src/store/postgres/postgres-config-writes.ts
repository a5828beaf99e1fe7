import type pg from 'pg';
import { callerCode } from './caller-errors.js';
import { editedConfigJson, preconditionHolds } from '../config-edit.js';
import { revisionFactsOf, type ChangeListeners, type RevisionFacts } from '../config-revisions.js';
import { toConfig } from '../rows.js';
import type { ConfigRow } from '../rows.js';
import type {
  ConfigChange,
  ConfigRecord,
  IntegrationKey,
  NewConfig,
  Precondition,
  RevisionAuthor,
  WriteOutcome,
} from '../store.js';
import type { ChangeSignal } from './postgres-change-poller.js';
import type { PostgresAccess } from './postgres-channel-store.js';
import { notifyChange, queueRevision, type RevisionNumbering } from './postgres-revisions.js';
import { sql } from './queries.js';

/** What config writes need of the PostgreSQL store. */
export interface ConfigWriteParts {
  /** The store's transaction: connection-error mapping and close() tracking apply. */
  transaction: PostgresAccess['transaction'];
  /** Numbers queued revisions after their writes' COMMIT. */
  numbering: RevisionNumbering;
  /** How the store hears of changes: a write waits until one committed now will be heard. */
  changes: ChangeSignal;
  /** This node's listeners, told of each write that changed something before it resolves (with history on, by the numbering). */
  listeners: ChangeListeners;
  /** Config history on: each write queues its revision, numbered after COMMIT. */
  recordsHistory: boolean;
  /** LISTEN/NOTIFY: each write (or, with history, its numbering) sends a NOTIFY at commit. */
  notify: boolean;
}

/**
 * Config writes on PostgreSQL: each in a transaction that row-locks the config
 * (`SELECT … FOR UPDATE`), so concurrent writers from any node take turns and none is
 * lost; its revision queued in the same transaction and numbered just after COMMIT (the
 * numbering sends the NOTIFY); resolved once numbered.
 */
export class PostgresConfigWrites {
  constructor(private readonly parts: ConfigWriteParts) {}

  create(key: IntegrationKey, input: NewConfig): Promise<ConfigRecord | 'exists'> {
    return this.configWrite(
      key.accountId,
      async (client, record) => {
        const { rows } = await client.query<ConfigRow>(sql.insertConfig, [
          key.accountId,
          key.integration,
          input.scope,
          input.configJson,
          input.version ?? 1,
          input.nowSeconds,
          input.nowSeconds,
        ]);
        if (!rows[0]) return 'exists' as const;
        const config = toConfig(rows[0]);
        await record(revisionFactsOf(config, input.operation ?? 'create', input.actor));
        return config;
      },
      (result) => result !== 'exists',
    );
  }

  update(key: IntegrationKey, scope: string, change: ConfigChange): Promise<WriteOutcome> {
    return this.configWrite(
      key.accountId,
      async (client, record): Promise<WriteOutcome> => {
        const current = await this.lockConfig(client, key, scope, change.precondition);
        if (current.kind !== 'ok') return current;
        const configJson = callerCode(() => editedConfigJson(change.edit, current.config.configJson));
        const { rows } = await client.query<ConfigRow>(sql.updateConfig, [
          configJson,
          change.nowSeconds,
          current.config.id,
        ]);
        const config = toConfig(rows[0]!);
        await record(revisionFactsOf(config, change.operation, change.actor));
        return { kind: 'ok', config };
      },
      (result) => result.kind === 'ok',
    );
  }

  delete(
    key: IntegrationKey,
    scope: string,
    precondition: Precondition | undefined,
    author: RevisionAuthor,
  ): Promise<WriteOutcome> {
    return this.configWrite(
      key.accountId,
      async (client, record): Promise<WriteOutcome> => {
        const current = await this.lockConfig(client, key, scope, precondition);
        if (current.kind !== 'ok') return current;
        await client.query(sql.deleteConfig, [current.config.id]);
        const { id: configId, version } = current.config;
        const facts = { key, scope, operation: 'delete', configJson: undefined, configId, version, ...author } as const;
        await record(facts);
        return { kind: 'ok', config: undefined };
      },
      (result) => result.kind === 'ok',
    );
  }

  /**
   * A config write in a transaction; `record` queues its revision (or, with history off,
   * sends the NOTIFY at commit), which is numbered after COMMIT, before the write resolves.
   * Other nodes hear of it through NOTIFY (or their poll); this node's listeners are told
   * before the answer goes out (with history on, by the numbering), so a read cache on this
   * node never answers a client's read with what its own write replaced. This node's LISTEN
   * passes over the NOTIFY of its own connections, so it is told once, not twice; a write
   * that failed after it may have committed (the connection lost at COMMIT) tells it too.
   */
  private async configWrite<T>(
    accountId: number,
    work: (client: pg.PoolClient, record: (facts: RevisionFacts) => Promise<void>) => Promise<T>,
    wrote: (result: T) => boolean,
  ): Promise<T> {
    const { changes, listeners, recordsHistory, notify } = this.parts;
    await changes.ready?.();
    let result: T;
    try {
      result = await this.parts.transaction((client) =>
        work(client, async (facts) => {
          if (recordsHistory) await queueRevision(client, facts);
          else if (notify) await notifyChange(client, facts.key.accountId);
        }),
      );
    } catch (error) {
      if (listeners.size > 0) listeners.fire(accountId);
      throw error;
    }
    // A refused write (a precondition, a config that exists) changed nothing to tell.
    if (!wrote(result)) return result;
    // The write is durable from here: if its numbering fails (the database went away, a lock
    // timeout), the next write to the account or the store's sweep numbers it, so the answer
    // stays a success; other nodes' read caches still hear of the write now, if they can.
    // The numbering tells this node's listeners, whether it succeeded or not.
    if (recordsHistory) await this.parts.numbering.number(accountId).catch(() => this.parts.numbering.tell(accountId));
    else if (listeners.size > 0) listeners.fire(accountId);
    return result;
  }

  /** Inside a write: the config, row-locked until commit, or why the write cannot go ahead. */
  private async lockConfig(
    client: pg.PoolClient,
    key: IntegrationKey,
    scope: string,
    precondition: Precondition | undefined,
  ): Promise<{ kind: 'ok'; config: ConfigRecord } | { kind: 'not_found' } | { kind: 'precondition_failed' }> {
    const { rows } = await client.query<ConfigRow>(sql.configByScopeForUpdate, [key.accountId, key.integration, scope]);
    if (!rows[0]) return { kind: 'not_found' };
    const config = toConfig(rows[0]);
    if (!preconditionHolds(precondition, config)) return { kind: 'precondition_failed' };
    return { kind: 'ok', config };
  }
}

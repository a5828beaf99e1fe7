import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { epochSeconds, formatTimestamp, systemClock, type Clock } from '../clock.js';
import type { Settings } from '../settings.js';
import { checkedConfigJson, ConfigRefusedError, etagOf } from '../store/config-edit.js';
import type { Actor, ConfigRecord, IntegrationKey, Store } from '../store/store.js';
import { configListBody, singleConfigBody } from '../zis/configs/config-json.js';
import { parseScopeFilter } from '../zis/configs/scope-filter.js';
import { isIntegrationName, scopeProblem } from '../zis/names.js';
import { resolveAccount } from './account-option.js';
import { withStore } from './commands.js';
import { outputMode, printListing, type JsonFlag } from './output.js';
import { renderTable } from './table.js';
import { UsageError } from './usage-error.js';

/** The flags every `configs get|set|list|delete` takes. */
export interface ConfigFlags extends JsonFlag {
  account?: string;
}

/** Who the revisions of CLI writes name: `cli:` and the operating-system user. */
function cliActor(): Actor {
  let user = 'cli';
  try {
    user = userInfo().username || user;
  } catch {
    // No user name (a container without a passwd entry): "cli" it is.
  }
  return { type: 'cli', id: user };
}

function checkNames(integration: string, scope?: string) {
  if (!isIntegrationName(integration)) {
    throw new UsageError(`The integration name must match ^[a-z0-9_-]{1,64}$; got "${integration}"`);
  }
  const problem = scope === undefined ? undefined : scopeProblem(scope);
  if (problem) throw new UsageError(`Invalid scope: ${problem}`);
}

async function withKey<T>(
  settings: Settings,
  flags: ConfigFlags,
  integration: string,
  work: (store: Store, key: IntegrationKey) => Promise<T>,
  clock: Clock = systemClock,
): Promise<T> {
  return withStore(settings, clock, async (store) => {
    const account = await resolveAccount(store, flags.account);
    return work(store, { accountId: account.id, integration });
  });
}

/** The JSON text as the API answers it, on one line, with a newline for the terminal. */
const printBody = (body: string) => process.stdout.write(body + '\n');

const abbreviated = (text: string, max = 60) =>
  [...text].length > max ? [...text].slice(0, max - 1).join('') + '…' : text;

/**
 * `switchboard configs get <integration> <scope> [--account S] [--json]`: the config as the
 * API's GET answers it (`{"config":{…}}`), or on a terminal its fields and the config
 * indented. A missing config is an error (exit 1), as the API's 404.
 */
export async function configsGet(settings: Settings, integration: string, scope: string, flags: ConfigFlags) {
  checkNames(integration, scope);
  await withKey(settings, flags, integration, async (store, key) => {
    const config = await store.getConfig(key, scope);
    if (!config) throw new UsageError(`No config with scope "${scope}" for integration "${integration}"`);
    if (outputMode(flags) === 'json') return void printBody(singleConfigBody(config));
    process.stdout.write(
      renderTable(
        [{ heading: 'scope' }, { heading: 'etag' }, { heading: 'created' }, { heading: 'updated' }],
        [[config.scope, etagOf(config), formatTimestamp(config.createdAt), formatTimestamp(config.updatedAt)]],
      ) +
        JSON.stringify(JSON.parse(config.configJson), null, 2) +
        '\n',
    );
  });
}

/** The config object `configs set` got: the argument, or stdin when it is `-` or absent. */
async function configText(json: string | undefined, file: string | undefined): Promise<string> {
  if (file !== undefined) {
    return readFile(file, 'utf8').catch((error: Error) => {
      throw new UsageError(`Cannot read --file ${file}: ${error.message}`);
    });
  }
  if (json !== undefined && json !== '-') return json;
  if (process.stdin.isTTY) {
    throw new UsageError('Give the config as JSON: configs set INTEGRATION SCOPE \'{"key":"value"}\' (or on stdin)');
  }
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

function parsedConfig(text: string, maxBytes: number): string {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The config is not JSON: ${(error as Error).message}`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new UsageError('The config must be a JSON object, e.g. {"enabled":true}');
  }
  try {
    return checkedConfigJson(config, maxBytes);
  } catch (error) {
    throw error instanceof ConfigRefusedError ? new UsageError(`The config is refused: ${error.message}`) : error;
  }
}

/**
 * `switchboard configs set <integration> <scope> [JSON|-] [--file F] [--account S] [--json]`:
 * creates the config, or replaces it when the scope exists (the API's POST, else PUT).
 * Prints the config as the API answers it, or on a terminal one line saying which it did.
 */
export async function configsSet(
  settings: Settings,
  integration: string,
  scope: string,
  json: string | undefined,
  flags: ConfigFlags & { file?: string },
  clock: Clock = systemClock,
) {
  checkNames(integration, scope);
  const configJson = parsedConfig(await configText(json, flags.file), settings.maxConfigBytes);
  await withKey(
    settings,
    flags,
    integration,
    async (store, key) => {
      const actor = cliActor();
      // A delete between the create and the replace sends the loop round once more.
      for (;;) {
        const created = await store.createConfig(key, { scope, configJson, nowSeconds: epochSeconds(clock), actor });
        if (created !== 'exists') return report(flags, 'Created', created);
        const outcome = await store.updateConfig(key, scope, {
          edit: { kind: 'replace', configJson },
          nowSeconds: epochSeconds(clock),
          operation: 'replace',
          actor,
        });
        if (outcome.kind === 'ok' && outcome.config) return report(flags, 'Replaced', outcome.config);
      }
    },
    clock,
  );
}

function report(flags: JsonFlag, what: 'Created' | 'Replaced', config: ConfigRecord) {
  if (outputMode(flags) === 'json') return printBody(singleConfigBody(config));
  process.stdout.write(`${what} config "${config.scope}" of ${config.integration} (ETag ${etagOf(config)}).\n`);
}

/**
 * `switchboard configs list <integration> [--filter PATTERN] [--account S] [--json]`: the
 * configs whose scope matches (`*` matches any run of characters; default every config),
 * as the API's list answers them, or on a terminal a table with the config abbreviated.
 * None matching is an empty list, not an error.
 */
export async function configsList(settings: Settings, integration: string, flags: ConfigFlags & { filter?: string }) {
  checkNames(integration);
  const parsed = parseScopeFilter(flags.filter ?? '*');
  if ('problem' in parsed) throw new UsageError(parsed.problem.replace('filter[scope]', '--filter'));
  await withKey(settings, flags, integration, async (store, key) => {
    const configs: ConfigRecord[] = [];
    for (let afterId = 0; ;) {
      const page = await store.listConfigs(key, { pattern: parsed.pattern, afterId, limit: 500 });
      configs.push(...page);
      if (page.length < 500) break;
      afterId = page.at(-1)!.id;
    }
    if (outputMode(flags) === 'json') return void printBody(configListBody(configs, undefined));
    printListing(flags, {
      json: undefined,
      columns: [{ heading: 'scope' }, { heading: 'etag' }, { heading: 'updated' }, { heading: 'config' }],
      rows: configs.map((config) => [
        config.scope,
        etagOf(config),
        formatTimestamp(config.updatedAt),
        abbreviated(config.configJson),
      ]),
      empty: `No config of ${integration} matches "${flags.filter ?? '*'}".`,
    });
  });
}

/**
 * `switchboard configs delete <integration> <scope> [--account S]`: deletes the config (the
 * API's DELETE); a missing one is an error (exit 1), as the API's 404.
 */
export async function configsDelete(
  settings: Settings,
  integration: string,
  scope: string,
  flags: ConfigFlags,
  clock: Clock = systemClock,
) {
  checkNames(integration, scope);
  await withKey(
    settings,
    flags,
    integration,
    async (store, key) => {
      const outcome = await store.deleteConfig(key, scope, undefined, {
        actor: cliActor(),
        nowSeconds: epochSeconds(clock),
      });
      if (outcome.kind !== 'ok')
        throw new UsageError(`No config with scope "${scope}" for integration "${integration}"`);
      process.stdout.write(`Deleted config "${scope}" of ${integration}.\n`);
    },
    clock,
  );
}

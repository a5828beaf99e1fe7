import type { ChannelIntegration, ChannelStore, Instance } from '../../store/channel-store.js';
import type { OutboundClient } from '../outbound/outbound-client.js';
import type { Finding } from '../protocol/finding.js';
import type { Manifest } from '../protocol/manifest.js';
import { finding } from '../protocol/rules.js';
import { doctorFinding, type DoctorFinding, type DoctorStep, type StepOutcome } from './doctor-report.js';
import { shownValueAt } from './redact.js';

/** What a run is asked to do (the CLI's flags, the API's body). */
export interface DoctorOptions {
  manifestUrl: string;
  /** Completes the admin UI hand-off with this metadata; without it a person completes it in the console. */
  metadata?: string;
  /** How long to wait for a person (the hand-off) and for pushes, seconds. */
  waitSeconds: number;
  /** Sends a test reply to this thread (channelback sends a real message, so only when asked). */
  channelbackThread?: string;
}

/** The host the doctor runs in: its store, its client and where integrations reach it. */
export interface DoctorHost {
  channels: ChannelStore;
  /** Calls the integration under this host's outbound rules (SSRF guard, timeout, size cap). */
  client: OutboundClient;
  nowMs: () => number;
  /** The throwaway account the run works in. */
  accountId: number;
  subdomain: string;
  /** Where the integration and a person reach this host, e.g. `http://127.0.0.1:4567`. */
  publicUrl: string;
  /** The integration's signing secret, as the host derives it (the host's own key). */
  signingSecret: (integration: ChannelIntegration) => string;
  /** The host's pull timeout and response size cap, as its outbound client applies them. */
  pullTimeoutMs: number;
  maxResponseBytes: number;
  /** Where a person completes the hand-off, and with which credentials (shown when no metadata is given). */
  handoffHint?: (integrationId: number) => string;
  /** Progress lines (the URL to open, what is awaited). */
  say?: (line: string) => void;
  /** Keep the integration and instance afterwards. */
  keep?: boolean;
  /** Sleeps between polls; tests keep the default. */
  sleep?: (ms: number) => Promise<void>;
}

/** The state of one run, shared by its steps. */
export class DoctorRun {
  readonly findings: DoctorFinding[] = [];
  readonly steps: StepOutcome[] = [];
  /** Every external id the integration has sent or answered (pulls, pushes, channelbacks). */
  readonly knownIds = new Set<string>();
  manifest?: Manifest;
  integration?: ChannelIntegration;
  instance?: Instance;
  signingSecret = '';
  /** The instance's metadata as the integration last set it. */
  metadata = '';
  /** A resource id to try clickthrough with. */
  sampleId?: string;
  /** Why the run could not be carried out (exit 2). */
  couldNotRun?: string;

  constructor(
    readonly options: DoctorOptions,
    readonly host: DoctorHost,
  ) {}

  /** Adds a validator's findings, each with its value looked up in `json`. */
  addFindings(step: DoctorStep, findings: readonly Finding[], json: unknown): void {
    for (const found of findings) this.#push(doctorFinding(step, found, shownValueAt(json, found.path)));
  }

  /** Adds one finding of the doctor's own checks. */
  add(step: DoctorStep, rule: string, message: string, path?: string, value?: string): void {
    this.#push(doctorFinding(step, finding(rule, message, path), value));
  }

  /** The same rule broken at the same place the same way (e.g. on every pull) is reported once. */
  #push(found: DoctorFinding): void {
    const key = `${found.rule}\u0000${found.path ?? ''}\u0000${found.message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.findings.push(found);
  }

  readonly #seen = new Set<string>();

  /** Records what a step did. */
  step(step: DoctorStep, status: StepOutcome['status'], detail: string): void {
    this.steps.push({ step, status, detail });
  }

  sleep(ms: number): Promise<void> {
    return this.host.sleep ? this.host.sleep(ms) : new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/**
 * The doctor's checks on a list of resources as sent (pulled or pushed): an external id
 * twice in one answer, a `parent_id` naming nothing sent before. Adds the ids to
 * `run.knownIds`.
 */
export function checkResourceList(run: DoctorRun, step: 'pull' | 'push', resources: readonly unknown[]): void {
  const seen = new Set<string>();
  resources.forEach((resource, index) => {
    if (resource === null || typeof resource !== 'object') return;
    const { external_id: id, parent_id: parentId } = resource as { external_id?: unknown; parent_id?: unknown };
    const at = `external_resources[${index}]`;
    if (typeof parentId === 'string' && parentId !== '' && !run.knownIds.has(parentId) && !seen.has(parentId)) {
      run.add(
        step,
        `${step}.resource.parent_id.dangling`,
        'names no resource the integration sent before in this run (nor a channelback): it would start a new ticket',
        `${at}.parent_id`,
        JSON.stringify(parentId),
      );
    }
    if (typeof id !== 'string' || id === '') return;
    if (seen.has(id)) {
      run.add(
        step,
        `${step}.resource.external_id.duplicate`,
        'is sent twice in one answer: the vendor imports the first and drops the other',
        `${at}.external_id`,
        JSON.stringify(id),
      );
    }
    seen.add(id);
    run.sampleId ??= id;
  });
  for (const id of seen) run.knownIds.add(id);
}

import { adminUiStep } from './admin-ui-step.js';
import { channelbackStep } from './channelback-step.js';
import { clickthroughStep } from './clickthrough-step.js';
import { finishReport, type DoctorReport } from './doctor-report.js';
import { DoctorRun, type DoctorHost, type DoctorOptions } from './doctor-run.js';
import { eventsStep } from './events-step.js';
import { manifestStep } from './manifest-step.js';
import { pullStep } from './pull-step.js';
import { watchPushes } from './push-step.js';

export type { DoctorHost, DoctorOptions } from './doctor-run.js';

/**
 * Drives one integration through the protocol as the host would, in the throwaway account
 * `host.accountId`: the manifest; the admin UI ("add", "edit", the hand-off); three pulls;
 * channelback (only with `channelbackThread`); clickthrough; one batch of each event; the
 * pushes it makes. Every answer is judged by the host's own validators (`protocol/rules.ts`).
 * The integration it registers is removed afterwards unless `host.keep`. Never rejects for
 * the integration's sake: a failure of the doctor's own (the store) ends the run with exit 2.
 */
export async function runDoctor(options: DoctorOptions, host: DoctorHost): Promise<DoctorReport> {
  const run = new DoctorRun(options, host);
  const startedAt = new Date(host.nowMs()).toISOString();
  try {
    await steps(run);
  } catch (error) {
    run.couldNotRun = `the doctor failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    if (run.integration && !host.keep) {
      await host.channels.deleteIntegration(host.accountId, run.integration.id, host.nowMs()).catch(() => false);
    }
  }
  return finishReport(
    {
      manifestUrl: options.manifestUrl,
      startedAt,
      steps: run.steps,
      findings: run.findings,
      ...(run.couldNotRun === undefined ? {} : { couldNotRun: run.couldNotRun }),
    },
    new Date(host.nowMs()).toISOString(),
  );
}

async function steps(run: DoctorRun): Promise<void> {
  const { host } = run;
  if (!(await manifestStep(run))) return;
  const manifest = run.manifest!;
  run.integration = await host.channels.createIntegration({
    accountId: host.accountId,
    remoteId: manifest.id,
    name: manifest.name,
    manifestUrl: run.options.manifestUrl,
    manifestJson: JSON.stringify(manifest),
    nowMs: host.nowMs(),
  });
  run.signingSecret = host.signingSecret(run.integration);
  const pushes = manifest.push_client_id ? watchPushes(run) : undefined;
  if (!(await adminUiStep(run))) {
    await pushes?.finish();
    return;
  }
  await pullStep(run);
  if (pushes) await pushes.finish();
  else run.step('push', 'skipped', 'the manifest has no push_client_id');
  await channelbackStep(run);
  await clickthroughStep(run);
  await eventsStep(run);
}

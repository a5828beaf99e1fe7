import { observePushes, type ObservedPush } from '../push/push-observers.js';
import { checkResourceList, type DoctorRun } from './doctor-run.js';

/** How long after the last push the doctor stops waiting for more, ms. */
const quietMs = 1000;

/**
 * Starts hearing the pushes of the run's instance (before the hand-off, which hands the
 * integration its push credentials). `finish` then waits up to `--wait` seconds for a push
 * (and stops once pushes have been quiet for a second), and judges each.
 */
export function watchPushes(run: DoctorRun): { finish: () => Promise<void> } {
  const heard: ObservedPush[] = [];
  let lastAt = 0;
  const stop = observePushes((push) => {
    if (run.instance === undefined || push.instanceId !== run.instance.id) return;
    heard.push(push);
    lastAt = Date.now();
  });
  return {
    finish: async () => {
      if (run.instance === undefined) {
        stop();
        return;
      }
      try {
        const deadline = Date.now() + run.options.waitSeconds * 1000;
        while (Date.now() < deadline) {
          const pushed = heard.some((push) => push.kind === 'push');
          if (pushed && Date.now() - lastAt >= quietMs) break;
          await run.sleep(100);
        }
      } finally {
        stop();
      }
      judge(run, heard);
    },
  };
}

function judge(run: DoctorRun, heard: readonly ObservedPush[]): void {
  const pushes = heard.filter((push) => push.kind === 'push');
  const validated = heard.some((push) => push.kind === 'validate_token');
  if (pushes.length === 0) {
    run.add(
      'push',
      'push.missing',
      `nothing was pushed within ${run.options.waitSeconds} s${validated ? ' (validate_token was called)' : ''}; ` +
        'push to /api/v2/any_channel/push with the instance_push_id and zendesk_access_token the admin UI received',
      '(push)',
    );
    run.step('push', 'failed', 'no push arrived');
    return;
  }
  let resources = 0;
  for (const push of pushes) {
    run.addFindings('push', push.findings, { external_resources: push.resources });
    checkResourceList(run, 'push', push.resources);
    resources += push.resources.length;
  }
  run.step(
    'push',
    'ran',
    `${pushes.length} pushes, ${resources} resources${validated ? '; validate_token called' : '; validate_token not called'}`,
  );
}

import { randomUUID } from 'node:crypto';
import { generateSecret, hashSecret } from '../../security/secrets.js';

/**
 * What an integration pushes with: the instance's `instance_push_id` and a bearer token
 * (`zendesk_access_token`) that is shown once and stored only as its hash.
 */
export interface PushCredentials {
  instancePushId: string;
  pushToken: string;
  pushTokenHash: string;
}

export function newPushCredentials(instancePushId: string = randomUUID()): PushCredentials {
  const pushToken = generateSecret('sbpt_');
  return { instancePushId, pushToken, pushTokenHash: hashSecret(pushToken) };
}

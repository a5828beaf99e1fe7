/** A bundle as the vendor's reference shows one, for integration `integration`. */
export function exampleBundle(integration: string, name = 'example bundle', flowResult = 'Hello World!') {
  return {
    zis_template_version: '2019-10-14',
    name,
    description: 'this is an example bundle',
    resources: {
      example_flow: {
        type: 'ZIS::Flow',
        properties: {
          name: 'my_flow',
          definition: {
            StartAt: 'HelloWorld',
            States: { HelloWorld: { Type: 'Pass', Result: flowResult, ResultPath: '$.messages', End: true } },
          },
        },
      },
      example_job_spec: {
        type: 'ZIS::JobSpec',
        properties: {
          name: 'my_job_spec',
          event_source: 'support',
          event_type: 'ticket.TicketCreated',
          flow_name: `zis:${integration}:flow:my_flow`,
        },
      },
    },
  };
}

/** Secrets the tests store: none may ever appear in an answer, a raw row or a backup. */
export const secrets = {
  bearer: 'bearer-secret-7f3a9c',
  password: 'basic-password-51bd02',
  apiKey: 'api-key-secret-c0ffee',
  clientSecret: 'oauth-client-secret-9e1d77',
} as const;

import type { PushResultRecord } from '../../store/push-records.js';

/** One entry of the push API's `results`, as the vendor documents it. */
export interface PushResultJson {
  external_resource_id: string;
  status: { code: string; description?: string };
}

/** `status.description` is "in the case of an exception, a description; otherwise, not present" (the vendor's reference). */
export const pushResultJson = (result: PushResultRecord): PushResultJson => ({
  external_resource_id: result.externalId,
  status: result.code === 'success' ? { code: result.code } : { code: result.code, description: result.description },
});

/** For route schemas (serialisation and the OpenAPI document). */
export const pushResponseSchema = {
  type: 'object',
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          external_resource_id: { type: 'string' },
          status: {
            type: 'object',
            properties: {
              code: {
                type: 'string',
                enum: [
                  'success',
                  'already_imported',
                  'could_not_locate_parent_external_resource',
                  'processing_error',
                  'halted',
                ],
              },
              description: { type: 'string', description: 'Why; absent on success.' },
            },
          },
        },
      },
    },
  },
} as const;

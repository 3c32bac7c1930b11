/**
 * IncrementalAlterConfigs (API key 44) v0, which kafkajs does not implement: it changes only the
 * named configs of a resource. kafkajs' AlterConfigs replaces the whole set of a topic's
 * overrides (anything not sent is reset), which would lose target settings the copy must keep.
 *
 * Request v0:  resources [resource_type INT8, resource_name STRING,
 *                         configs [name STRING, config_operation INT8, value NULLABLE_STRING]]
 *              validate_only BOOLEAN
 * Response v0: throttle_time_ms INT32,
 *              responses [error_code INT16, error_message NULLABLE_STRING, resource_type INT8, resource_name STRING]
 *
 * v0 is not flexible and every broker from 2.3 to 4.x accepts it. Pure encoders/decoders.
 */
import { Reader, Writer } from './wire.ts';

export const INCREMENTAL_ALTER_CONFIGS_KEY = 44;
export const INCREMENTAL_ALTER_CONFIGS_VERSION = 0;

export const CONFIG_RESOURCE_TOPIC = 2;
export const CONFIG_OPERATION = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

export interface AlterConfigResource {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly configs: readonly {
    readonly name: string;
    readonly operation: number;
    readonly value: string | null;
  }[];
}

export interface AlterConfigResult {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** Error codes of this response, by name (the raw client's table does not carry all of them). */
export const ALTER_CONFIGS_ERRORS: Readonly<Record<number, string>> = {
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  35: 'UNSUPPORTED_VERSION',
  40: 'INVALID_CONFIG',
  41: 'NOT_CONTROLLER',
  42: 'INVALID_REQUEST',
  44: 'POLICY_VIOLATION',
};

export function encodeIncrementalAlterConfigsRequest(
  resources: readonly AlterConfigResource[],
  validateOnly = false,
): Buffer {
  return new Writer()
    .array(resources, (rw, r) => {
      rw.int8(r.resourceType)
        .string(r.resourceName)
        .array(r.configs, (cw, c) => {
          cw.string(c.name).int8(c.operation).string(c.value);
        });
    })
    .bool(validateOnly)
    .toBuffer();
}

export function decodeIncrementalAlterConfigsResponse(body: Buffer): AlterConfigResult[] {
  const r = new Reader(body);
  r.int32(); // throttle_time_ms
  return r.array((x) => {
    const errorCode = x.int16();
    const errorMessage = x.nullableString();
    const resourceType = x.int8();
    const resourceName = x.string();
    return { resourceType, resourceName, errorCode, errorMessage };
  });
}

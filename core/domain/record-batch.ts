/**
 * The Kafka record batch v2 (message format 2, KIP-98) header, as the log, Fetch and Produce carry
 * it: byte offsets of its fields within a batch. One layout for every module that reads or writes
 * batch headers (segments, the pass-through, the protocol probes, the precheck's size rules).
 */

/** Base offset (int64) and batch length (int32) in front of every batch: the length counts the rest. */
export const LOG_OVERHEAD_BYTES = 12;

/** The whole header, up to the first record. */
export const BATCH_HEADER_BYTES = 61;

/** Where each header field starts. */
export const BATCH_FIELD = {
  baseOffset: 0, // int64
  length: 8, // int32
  partitionLeaderEpoch: 12, // int32
  magic: 16, // int8
  crc: 17, // uint32, CRC-32C of bytes `attributes`…end
  attributes: 21, // int16
  lastOffsetDelta: 23, // int32
  baseTimestamp: 27, // int64
  maxTimestamp: 35, // int64
  producerId: 43, // int64
  producerEpoch: 51, // int16
  baseSequence: 53, // int32
  recordCount: 57, // int32
} as const;

export * from './skill-types';
export * from './skill-registry';
export {
  assertUrlAllowed,
  classifyAddress,
  isAllowListed,
  parseAllowList,
  ADDRESS_RULES,
  BLOCKED_HOSTNAMES,
} from './network-policy';
export type { AddressRule, AddressVerdict, AllowListEntry } from './network-policy';
export { httpRequest, httpStatusError, readHttpMaxBytes, HTTP_METHODS, DEFAULT_HTTP_MAX_BYTES } from './http-client';
export type { HttpMethod, HttpRequestOptions, HttpResponse } from './http-client';
export { redactSecrets, REDACTED } from './redact-secrets';
export { parseJsonPath, readJsonPath, JsonPathSyntaxError } from './json-path';
export type { JsonPathSegment } from './json-path';
export { buildICalendar } from './icalendar';
export type { CalendarEvent } from './icalendar';
export { httpCallSkill } from './http-call-skill';
export type { HttpCallInput } from './http-call-skill';
export { jsonTransformSkill, applyJsonMapping } from './json-transform-skill';
export type { JsonTransformInput } from './json-transform-skill';
export { echoSkill } from './echo-skill';
export {
  llmInvokeSkill,
  estimateLlmCostCents,
  DEFAULT_LLM_MODEL,
  DEFAULT_LLM_PRICE_CENTS_PER_1K_TOKENS,
} from './llm-invoke-skill';
export type { LlmInvokeInput } from './llm-invoke-skill';
export {
  voyageEmbedSkill,
  DEFAULT_VOYAGE_BASE_URL,
  DEFAULT_VOYAGE_MODEL,
  DEFAULT_VOYAGE_PRICE_CENTS_PER_1K_TOKENS,
} from './voyage-embed-skill';
export type { VoyageEmbedInput } from './voyage-embed-skill';
export { postgresQuerySkill, POSTGRES_QUERY_MAX_ROWS } from './postgres-query-skill';
export type { PostgresQueryInput } from './postgres-query-skill';
export { kvStoreSkill, KV_OPS } from './kv-store-skill';
export type { KvOp, KvStoreInput } from './kv-store-skill';
export {
  webhookSendSkill,
  signWebhookBody,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  WEBHOOK_DELIVERY_HEADER,
} from './webhook-send-skill';
export type { WebhookSendInput } from './webhook-send-skill';
export { slackSendSkill } from './slack-send-skill';
export type { SlackSendInput } from './slack-send-skill';
export { emailSendSkill } from './email-send-skill';
export type { EmailSendInput } from './email-send-skill';
export { calendarWriteSkill } from './calendar-write-skill';
export type { CalendarWriteInput } from './calendar-write-skill';
export { sdsrFailTriggerSkill, FAULT_ERROR_CLASSES } from './sdsr-fail-trigger-skill';
export type { FaultErrorClass, SdsrFailTriggerInput } from './sdsr-fail-trigger-skill';

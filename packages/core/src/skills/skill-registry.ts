import { z } from 'zod';
import { AosError } from '../errors';
import { calendarWriteSkill } from './calendar-write-skill';
import { echoSkill } from './echo-skill';
import { emailSendSkill } from './email-send-skill';
import { httpCallSkill } from './http-call-skill';
import { jsonTransformSkill } from './json-transform-skill';
import { kvStoreSkill } from './kv-store-skill';
import { llmInvokeSkill } from './llm-invoke-skill';
import { postgresQuerySkill } from './postgres-query-skill';
import { sdsrFailTriggerSkill } from './sdsr-fail-trigger-skill';
import { slackSendSkill } from './slack-send-skill';
import type { AnySkill, SkillManifestEntry } from './skill-types';
import { voyageEmbedSkill } from './voyage-embed-skill';
import { webhookSendSkill } from './webhook-send-skill';

/** Every built-in skill, in the order docs/skills.md lists them (the order `list-skills` prints). */
export const DEFAULT_SKILLS: readonly AnySkill[] = [
  httpCallSkill,
  jsonTransformSkill,
  echoSkill,
  llmInvokeSkill,
  voyageEmbedSkill,
  postgresQuerySkill,
  kvStoreSkill,
  webhookSendSkill,
  slackSendSkill,
  emailSendSkill,
  calendarWriteSkill,
  sdsrFailTriggerSkill,
];

/** Names of the built-in skills, in registry order. */
export const SKILL_NAMES = [
  'http_call',
  'json_transform',
  'echo',
  'llm_invoke',
  'voyage_embed',
  'postgres_query',
  'kv_store',
  'webhook_send',
  'slack_send',
  'email_send',
  'calendar_write',
  '__sdsr_fail_trigger__',
] as const;
export type SkillName = (typeof SKILL_NAMES)[number];

/** The skills a deployment offers, looked up by name. */
export interface SkillRegistry {
  /** Every skill, in registration order. */
  list(): readonly AnySkill[];
  get(name: string): AnySkill | undefined;
  /** Like `get`, but an unknown name throws AosError `SKILL_NOT_FOUND` naming it. */
  require(name: string): AnySkill;
  /** What planners and `list-skills` see: metadata plus the input JSON Schema, in list order. */
  manifest(): readonly SkillManifestEntry[];
}

const SKILL_NAME = /^[a-z_][a-z0-9_]{0,63}$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/**
 * Builds a registry of `skills` (default: every built-in skill). Refuses duplicate names,
 * names that are not snake_case and versions that are not semver.
 *
 * @example
 * ```ts
 * const registry = createSkillRegistry()
 * registry.require('echo').version // '1.0.0'
 * registry.manifest().map((s) => s.name) // ['http_call', 'json_transform', 'echo', …]
 * ```
 */
export function createSkillRegistry(skills: readonly AnySkill[] = DEFAULT_SKILLS): SkillRegistry {
  const byName = new Map<string, AnySkill>();
  for (const skill of skills) {
    if (!SKILL_NAME.test(skill.name)) {
      throw new AosError(
        'CONFIG_INVALID',
        `skill name "${skill.name}" must be snake_case (a-z, 0-9, _), at most 64 characters`,
      );
    }
    if (!SEMVER.test(skill.version)) {
      throw new AosError('CONFIG_INVALID', `skill ${skill.name} has version "${skill.version}", which is not semver`);
    }
    if (byName.has(skill.name)) throw new AosError('CONFIG_INVALID', `skill "${skill.name}" is registered twice`);
    byName.set(skill.name, skill);
  }
  const listed = Object.freeze([...skills]);
  let manifest: readonly SkillManifestEntry[] | undefined;
  return {
    list: () => listed,
    get: (name) => byName.get(name),
    require(name) {
      const skill = byName.get(name);
      if (!skill) {
        throw new AosError('SKILL_NOT_FOUND', `unknown skill "${name}" (registered: ${[...byName.keys()].join(', ')})`);
      }
      return skill;
    },
    manifest() {
      manifest ??= Object.freeze(listed.map(toManifestEntry));
      return manifest;
    },
  };
}

/** One skill's manifest entry; the JSON Schema describes the params as a caller writes them. */
export function toManifestEntry(skill: AnySkill): SkillManifestEntry {
  return {
    name: skill.name,
    version: skill.version,
    description: skill.description,
    deterministic: skill.deterministic,
    sideEffects: skill.sideEffects,
    network: skill.network,
    inputSchema: z.toJSONSchema(skill.inputSchema, { io: 'input' }) as Record<string, unknown>,
  };
}

// `@aos/core/skill-manifest` from source (tests, typecheck): the manifest computed from the live
// registry. The published package maps the same subpath to `dist/skill-manifest.js`, which the
// build writes from this very registry, so `list-skills` loads neither zod nor the skills.
import { createSkillRegistry } from './skills/skill-registry';
import { skillListing, type SkillListing, type SkillManifestEntry } from './skills/skill-types';

/**
 * The built-in skills' manifest, exactly `createSkillRegistry().manifest()`: name, version,
 * description, flags and input JSON Schema of every skill, in registry order.
 *
 * @example
 * ```ts
 * import { SKILL_MANIFEST } from '@aos/core/skill-manifest'
 * SKILL_MANIFEST.map((s) => s.name) // ['http_call', 'json_transform', 'echo', …]
 * ```
 */
export const SKILL_MANIFEST: readonly SkillManifestEntry[] = createSkillRegistry().manifest();

/**
 * The same manifest as listings (snake_case, as `list-skills --json` prints them), so neither
 * CLI maps entries itself.
 *
 * @example
 * ```ts
 * SKILL_LISTINGS[0]?.side_effects // false
 * ```
 */
export const SKILL_LISTINGS: readonly SkillListing[] = SKILL_MANIFEST.map(skillListing);

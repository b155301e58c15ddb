import { EXIT_CODES, type ExitCode } from '@aos/core/cli';
import { SKILL_MANIFEST } from '@aos/core/skill-manifest';
import type { CommandContext, ParsedArgs } from '../context';
import { printSkills } from '../render';

/**
 * `list-skills`: name, version and description of every registered skill (with `--json`, also
 * each input JSON Schema). Reads the manifest written at build time: no database, no skill is loaded.
 */
export function execute(_args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const skills = SKILL_MANIFEST.map((entry) => ({
    name: entry.name,
    version: entry.version,
    description: entry.description,
    deterministic: entry.deterministic,
    side_effects: entry.sideEffects,
    network: entry.network,
    input_schema: entry.inputSchema,
  }));
  printSkills(context, skills);
  return Promise.resolve(EXIT_CODES.ok);
}

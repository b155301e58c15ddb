import type { CliIo, ExitCode } from '@aos/proof/cli-kit';
import { SKILL_LISTINGS } from '@aos/core/skill-manifest';
import type { GlobalOptions } from '../flags';
import type { ListSkillsJson } from '../json-shapes';
import { renderSkills, writeDocument } from '../render';

/** `int-cli list-skills`: the manifest written at build time, as the customer CLI shows it. No database. */
export function runListSkills(_args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const skills = [...SKILL_LISTINGS];
  const document: ListSkillsJson = { skills };
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderSkills(skills));
  return Promise.resolve(0);
}

import type { ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { changeAgent } from './agent-lifecycle';

/** `resume-agent <agent_id>`. */
export function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  return changeAgent('resume', args, context);
}

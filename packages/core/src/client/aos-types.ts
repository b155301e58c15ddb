// The types the remote client shares with the local facade, and nothing else: a bridge of
// `export type` only, so the client names the one `Aos` interface without loading what the
// local facade is made of. .dependency-cruiser.cjs does not follow this file (it brings no code
// at run time) and checks that it stays types-only.
export type { Aos, RunOptions, RunRef } from '../aos/aos';
export type { RunEvent, RunEventListener } from '../runner/run-events';
export type { CreateAgentInput } from '../agents/agent-input';
export type { CreateRunInput } from '../runs/run-input';

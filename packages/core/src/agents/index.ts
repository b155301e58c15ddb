export { createAgent, CreateAgentInputSchema, getAgentForTenant, listAgents, setAgentStatus } from './agent-service';
export type { CreateAgentInput } from './agent-service';

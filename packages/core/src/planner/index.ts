export * from './plan-schema';
export { PlanGenerationError, PlanInvalidError } from './plan-errors';
export * from './plan-templates';
export * from './plan-validator';
export * from './rules-planner';
export * from './llm-planner';
export * from './generate-plan';

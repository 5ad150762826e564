/** Planning: the Planner port and its two planners, the scene rules, and the framing every plan gets. */
export { CHUNK_LIMITS, chunkText } from './chunk-text';
export type { ChunkLimits } from './chunk-text';
export { DeterministicPlanner, planFromContext } from './deterministic-planner';
export { LlmPlanner } from './llm-planner';
export type { LlmPlannerOptions } from './llm-planner';
export { PLAN_PROMPT_VERSION } from './plan-prompt';
export { OUTRO_TITLE, defaultNarration, toScenes } from './planner';
export type { PlanOutcome, PlanRequest, Planner, TokenUsage, ToScenesOptions } from './planner';
export { SCENE_LIMITS, checkPlan, checkScenes, planJsonSchema } from './scene-rules';
export type { CheckedScenes, SceneProblem, SceneRuleOptions } from './scene-rules';

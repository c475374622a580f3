/**
 * A local stand-in for the OpenAI Realtime API and the chat completions
 * endpoint used for evaluations. The `openai` package talks to it unchanged:
 * point `baseURL` at `baseUrl` and trust the simulator's certificate.
 */
export {
  startRealtimeSimulator,
  type FaultMode,
  type RealtimeSimulator,
  type RealtimeSimulatorOptions,
} from './server.js';
export {
  demoScenario,
  DEFAULT_GREETING,
  FIXTURE_CALLER_LINES,
  GOODBYE,
  type DemoScenarioOptions,
  DEMO_TOOL_CALL_AFTER,
} from './demo-scenario.js';
export type {
  ResponseItemPlan,
  ResponsePlan,
  ResponseRequest,
  ScenarioFactory,
  ScenarioSession,
} from './scenario.js';
export {
  judgeDeterministically,
  type EvaluationAnswer,
  type EvaluationCriterion,
  type EvaluationJudge,
  type EvaluationRequest,
} from './evaluation.js';
export type { ClientEventRecord, SessionRecord, UtteranceRecord } from './session-record.js';
export type { SessionConfig } from './session-config.js';
export { SPEECH_RMS_THRESHOLD } from './vad.js';
export { AUDIO_CHUNK_BYTES, AUDIO_CHUNK_INTERVAL_MS } from './response-run.js';

/**
 * What an agent version holds, validated when a draft is written. Once the
 * version is submitted this config never changes (a database trigger holds it).
 */
import { z } from 'zod';
import type { AgentVersionConfig } from '../../../workflows/types.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, _ and -');
const toolName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and -, at most 64');

const builtinTool = z
  .object({
    type: z.literal('builtin'),
    name: z.enum(['end_call', 'transfer_to_human', 'schedule_callback']),
  })
  .strict()
  .meta({ id: 'BuiltinTool' });

const argumentsSchema = z
  .looseObject({
    type: z.literal('object'),
    properties: z.record(z.string(), z.record(z.string(), z.unknown())),
    required: z.array(z.string()).optional(),
    additionalProperties: z.boolean().optional(),
  })
  .refine(
    (schema) => (schema.required ?? []).every((name) => name in schema.properties),
    'every required argument must be among the properties',
  )
  .meta({
    id: 'ToolArguments',
    description: "A JSON Schema (type object) for the tool's arguments.",
  });

const webhookTool = z
  .object({
    type: z.literal('webhook'),
    name: toolName,
    description: z.string().min(1).max(1_024),
    parameters: argumentsSchema,
    url: z
      .url({ protocol: /^https?$/ })
      .meta({ description: 'Signed POST target; https in production.' }),
    timeout_ms: z.int().min(100).max(30_000).optional(),
  })
  .strict()
  .meta({ id: 'WebhookTool' });

const escalationRule = z
  .object({
    id: slug,
    trigger: z.enum(['caller_asks_for_human', 'phrase', 'identity_failed', 'tool_error_streak']),
    phrase: z.string().min(1).max(200).optional(),
    threshold: z.int().min(1).max(20).optional(),
    action: z.enum(['transfer_to_human', 'schedule_callback']),
    target: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'An operator queue or number.' }),
  })
  .strict()
  .refine((rule) => rule.trigger !== 'phrase' || rule.phrase, {
    message: 'a phrase rule needs phrase',
    path: ['phrase'],
  })
  .refine((rule) => rule.trigger !== 'tool_error_streak' || rule.threshold, {
    message: 'a tool_error_streak rule needs threshold',
    path: ['threshold'],
  })
  .meta({ id: 'EscalationRule' });

const described = z.object({ id: slug, description: z.string().min(1).max(1_000) }).strict();

export const agentVersionConfig = z
  .object({
    instructions: z.string().min(1).max(20_000),
    voice: z.string().min(1).max(50).meta({ example: 'alloy' }),
    model: z.string().min(1).max(100).optional(),
    greeting: z.string().min(1).max(1_000).optional(),
    tools: z.array(z.discriminatedUnion('type', [builtinTool, webhookTool])).max(64),
    turn_detection: z
      .object({
        silence_duration_ms: z.int().min(100).max(5_000),
        prefix_padding_ms: z.int().min(0).max(2_000),
        threshold: z.number().min(0).max(1),
      })
      .strict()
      .optional(),
    escalation_rules: z.array(escalationRule).max(32).optional(),
    identity_requirements: z
      .object({
        protected_tools: z.array(toolName).min(1),
        methods: z
          .array(z.enum(['caller_id', 'dtmf_pin', 'knowledge_question']))
          .min(1)
          .optional(),
        verification_tool: toolName,
      })
      .strict()
      .optional(),
    business_outcomes: z.array(described).max(32).optional(),
    required_tools: z.array(toolName).optional(),
    evaluation_rubric: z.array(described).max(32).optional(),
    max_call_duration_sec: z.int().min(30).max(14_400).optional(),
  })
  .strict()
  .superRefine((config, context) => {
    const names = config.tools.map((tool) => tool.name);
    const known = new Set(names);
    if (known.size !== names.length) {
      context.addIssue({ code: 'custom', path: ['tools'], message: 'tool names must be unique' });
    }
    const mustExist: Array<[string, string[] | undefined]> = [
      ['required_tools', config.required_tools],
      ['identity_requirements.protected_tools', config.identity_requirements?.protected_tools],
      [
        'identity_requirements.verification_tool',
        config.identity_requirements ? [config.identity_requirements.verification_tool] : undefined,
      ],
    ];
    for (const [field, listed] of mustExist) {
      for (const name of listed ?? []) {
        if (!known.has(name)) {
          context.addIssue({
            code: 'custom',
            path: field.split('.'),
            message: `${name} is not one of the tools`,
          });
        }
      }
    }
  })
  .meta({ id: 'AgentVersionConfig' });

export type ValidatedAgentVersionConfig = z.output<typeof agentVersionConfig>;

/** The workflow's type and this schema must agree; this is where the compiler checks it. */
export function asAgentVersionConfig(config: ValidatedAgentVersionConfig): AgentVersionConfig {
  return config;
}

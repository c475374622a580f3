/**
 * The state a live call reports, driven event by event through the real
 * Conversation: greeting until the greeting has played, listening while the
 * caller has the floor, agent_speaking while agent audio is unplayed, in_tool
 * while a function call runs, transferring once transfer_to_human answers,
 * ending once a goodbye's hang-up is scheduled.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../lib/logger.js';
import type { CallControl } from '../../media/call-control.js';
import { Conversation } from '../../media/conversation.js';
import type { ConversationState } from '../../media/conversation-state.js';
import type { MediaSessionConfig, ToolResult } from '../../workflows/types.js';

const baseConfig: MediaSessionConfig = {
  callId: 'call_1',
  tenantId: 'ten_1',
  agentVersionId: 'ver_1',
  instructions: 'Be brief.',
  voice: 'marin',
  tools: [],
  turnDetection: { silence_duration_ms: 500, prefix_padding_ms: 300, threshold: 0.5 },
  endsAt: new Date(Date.now() + 60_000).toISOString(),
  wrapUpMessage: 'Goodbye.',
  noInput: null,
  maskKeypadDigits: false,
};

const AUDIO_200_MS = Buffer.alloc(1_600, 0xff).toString('base64');
const settle = () => new Promise((resolve) => setImmediate(resolve));

function harness(config: Partial<MediaSessionConfig> = {}) {
  const answers: Array<(result: ToolResult) => void> = [];
  const toTwilio: Array<Record<string, any>> = [];
  const states: ConversationState[] = [];
  const hangUps: string[] = [];
  const control = {
    invokeTool: () => new Promise<ToolResult>((resolve) => answers.push(resolve)),
  } as unknown as CallControl;
  const conversation = new Conversation(
    { ...baseConfig, ...config },
    {
      callId: 'call_1',
      streamSid: 'MZ1',
      control,
      logger: createLogger('silent'),
      sendToTwilio: (message) => void toTwilio.push(message),
      sendToModel: () => true,
      sendTurn: () => undefined,
      hangUp: (reason) => void hangUps.push(reason),
      failCall: () => undefined,
      hasHungUp: () => hangUps.length > 0,
      reportState: (state) => {
        if (states.at(-1) !== state) states.push(state);
      },
    },
  );
  const model = (event: Record<string, unknown>) => conversation.handleModelEvent(event);
  let responses = 0;
  /** One response: 400 ms of audio on a new item, then done. */
  const speak = () => {
    responses += 1;
    const item = `item_${responses}`;
    model({ type: 'response.created', response: { id: `r${responses}` } });
    model({ type: 'response.output_audio.delta', item_id: item, delta: AUDIO_200_MS });
    model({ type: 'response.output_audio.delta', item_id: item, delta: AUDIO_200_MS });
    model({ type: 'response.output_audio.done', item_id: item });
    model({ type: 'response.done', response: { id: `r${responses}`, status: 'completed' } });
  };
  const callTool = (name: string) => {
    responses += 1;
    model({ type: 'response.created', response: { id: `r${responses}` } });
    model({
      type: 'response.function_call_arguments.done',
      call_id: `fc_${responses}`,
      name,
      arguments: '{}',
    });
    model({ type: 'response.done', response: { id: `r${responses}`, status: 'completed' } });
  };
  /** Twilio played everything sent so far. */
  const playAll = () => {
    for (const message of toTwilio.splice(0))
      if (message.event === 'mark') conversation.acknowledgeMark(message.mark.name);
  };
  return { conversation, model, speak, callTool, playAll, answers, states, hangUps };
}

test('a call goes greeting, listening, agent_speaking, in_tool and back as it happens', async () => {
  const call = harness({ greeting: 'Hello.' });
  call.conversation.start();
  assert.deepEqual(call.states, ['greeting'], 'greeting as soon as it is asked for');

  call.speak();
  assert.deepEqual(call.states, ['greeting'], 'still greeting while its audio is unplayed');
  call.playAll();
  assert.deepEqual(call.states, ['greeting', 'listening']);

  call.model({ type: 'input_audio_buffer.speech_started' });
  call.model({ type: 'input_audio_buffer.speech_stopped' });
  call.speak();
  assert.equal(call.states.at(-1), 'agent_speaking');
  call.playAll();
  assert.equal(call.states.at(-1), 'listening');

  call.callTool('check_order_status');
  assert.equal(call.states.at(-1), 'in_tool');
  call.answers[0]?.({ status: 'succeeded', output: '{"status":"shipped"}' });
  await settle();
  assert.equal(call.states.at(-1), 'listening');
  call.speak();
  call.playAll();

  assert.deepEqual(call.states, [
    'greeting',
    'listening',
    'agent_speaking',
    'listening',
    'in_tool',
    'listening',
    'agent_speaking',
    'listening',
  ]);
  call.conversation.stop();
});

test('a caller who talks over the greeting ends it: the agent listens', () => {
  const call = harness({ greeting: 'Hello, and thank you for calling.' });
  call.conversation.start();
  call.speak();
  call.model({ type: 'input_audio_buffer.speech_started' });
  assert.deepEqual(call.states, ['greeting', 'listening']);
  call.conversation.stop();
});

test('without a greeting the call starts listening', () => {
  const call = harness();
  call.conversation.start();
  assert.deepEqual(call.states, ['listening']);
  call.conversation.stop();
});

test('transfer_to_human answered: transferring, whatever the agent says after', async () => {
  const call = harness();
  call.conversation.start();
  call.callTool('transfer_to_human');
  call.answers[0]?.({ status: 'succeeded', output: '{"ok":true,"transferring":true}' });
  await settle();
  call.speak();
  assert.deepEqual(call.states, ['listening', 'in_tool', 'transferring']);
  call.conversation.stop();
});

test('a refused transfer is not a transfer', async () => {
  const call = harness();
  call.conversation.start();
  call.callTool('transfer_to_human');
  call.answers[0]?.({ status: 'refused', output: '{"error":"not allowed"}' });
  await settle();
  assert.deepEqual(call.states, ['listening', 'in_tool', 'listening']);
  call.conversation.stop();
});

test('end_call answered: ending while the goodbye plays, then the hang-up', async () => {
  const call = harness();
  call.conversation.start();
  call.speak();
  call.callTool('end_call');
  call.answers[0]?.({ status: 'succeeded', output: '{"ok":true}', action: 'hang_up' });
  await settle();
  assert.equal(call.states.at(-1), 'ending');
  call.playAll();
  assert.deepEqual(call.hangUps, ['agent_ended_call']);
  assert.deepEqual(call.states, ['listening', 'agent_speaking', 'in_tool', 'ending']);
  call.conversation.stop();
});

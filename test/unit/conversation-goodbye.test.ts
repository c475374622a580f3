/**
 * The goodbye race, driven event by event: whichever comes first, the caller
 * cutting the goodbye off or end_call's result, a goodbye the caller talked
 * over never ends the call, and a goodbye heard to its last mark does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../lib/logger.js';
import type { CallControl } from '../../media/call-control.js';
import { Conversation } from '../../media/conversation.js';
import type { MediaSessionConfig, ToolResult } from '../../workflows/types.js';

const config: MediaSessionConfig = {
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

const END_CALL: ToolResult = { status: 'succeeded', output: '{"ok":true}', action: 'hang_up' };
const AUDIO_200_MS = Buffer.alloc(1_600, 0xff).toString('base64');

function harness() {
  let answerTool: (result: ToolResult) => void = () => undefined;
  const toTwilio: Array<Record<string, any>> = [];
  const hangUps: string[] = [];
  const control = {
    invokeTool: () => new Promise<ToolResult>((resolve) => (answerTool = resolve)),
  } as unknown as CallControl;
  const conversation = new Conversation(config, {
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
    reportState: () => undefined,
  });
  const model = (event: Record<string, unknown>) => conversation.handleModelEvent(event);
  /** The agent says goodbye (400 ms of audio) and calls end_call in the same response. */
  const sayGoodbyeAndEnd = () => {
    model({ type: 'response.created', response: { id: 'r1' } });
    model({ type: 'response.output_audio.delta', item_id: 'bye', delta: AUDIO_200_MS });
    model({ type: 'response.output_audio.delta', item_id: 'bye', delta: AUDIO_200_MS });
    model({ type: 'response.output_audio.done', item_id: 'bye' });
    model({
      type: 'response.output_audio_transcript.done',
      item_id: 'bye',
      transcript: 'Goodbye!',
    });
    model({
      type: 'response.function_call_arguments.done',
      call_id: 'c1',
      name: 'end_call',
      arguments: '{}',
    });
    model({ type: 'response.done', response: { id: 'r1', status: 'completed', output: [] } });
  };
  const marksSent = () =>
    toTwilio.filter((message) => message.event === 'mark').map((message) => message.mark.name);
  return {
    conversation,
    model,
    sayGoodbyeAndEnd,
    answerTool: (result: ToolResult) => answerTool(result),
    toTwilio,
    hangUps,
    marksSent,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('end_call hangs up once the goodbye has played to its last mark', async () => {
  const call = harness();
  call.sayGoodbyeAndEnd();
  call.answerTool(END_CALL);
  await settle();
  assert.deepEqual(call.hangUps, [], 'not while the goodbye is still playing');

  for (const name of call.marksSent()) call.conversation.acknowledgeMark(name);
  assert.deepEqual(call.hangUps, ['agent_ended_call']);
  call.conversation.stop();
});

test('a goodbye cut off after end_call came back does not end the call', async () => {
  const call = harness();
  call.sayGoodbyeAndEnd();
  call.answerTool(END_CALL);
  await settle();
  call.conversation.acknowledgeMark(call.marksSent()[0] ?? '');
  call.model({ type: 'input_audio_buffer.speech_started' });

  assert.equal(call.toTwilio.filter((message) => message.event === 'clear').length, 1);
  assert.deepEqual(call.hangUps, []);
  call.conversation.stop();
});

test('a goodbye cut off before end_call came back does not end the call either', async () => {
  const call = harness();
  call.sayGoodbyeAndEnd();
  call.model({ type: 'input_audio_buffer.speech_started' });
  call.answerTool(END_CALL);
  await settle();

  assert.equal(call.toTwilio.filter((message) => message.event === 'clear').length, 1);
  assert.deepEqual(call.hangUps, []);
  call.conversation.stop();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  callOutcome,
  machineDetectionFor,
  voicemailHangUpReason,
} from '../../workflows/outcome.js';

test('the outcome follows Twilio for calls that never connected', () => {
  for (const status of ['busy', 'no-answer', 'failed', 'canceled'] as const) {
    assert.equal(callOutcome(status, undefined, status), status);
  }
});

test('a machine answering is voicemail; a failed model under a connected call is failed', () => {
  assert.equal(callOutcome('completed', 'machine_end_beep', 'voicemail_message_left'), 'voicemail');
  assert.equal(callOutcome('completed', 'human', 'model_unavailable'), 'failed');
  assert.equal(callOutcome('completed', 'human', 'agent_ended_call'), 'completed');
});

test('leaving a message waits for the beep; hanging up does not', () => {
  assert.equal(machineDetectionFor({ policy: 'leave_message' }), 'DetectMessageEnd');
  assert.equal(machineDetectionFor({ policy: 'hang_up' }), 'Enable');
  assert.equal(machineDetectionFor(undefined), undefined);
  assert.equal(
    voicemailHangUpReason({ policy: 'leave_message' }, 'machine_end_beep'),
    'voicemail_message_left',
  );
  assert.equal(
    voicemailHangUpReason({ policy: 'leave_message' }, 'machine_start'),
    'voicemail_hang_up',
  );
  assert.equal(
    voicemailHangUpReason({ policy: 'hang_up' }, 'machine_end_silence'),
    'voicemail_hang_up',
  );
  assert.equal(voicemailHangUpReason({ policy: 'hang_up' }, 'fax'), 'fax_answered');
  assert.equal(voicemailHangUpReason({ policy: 'hang_up' }, 'human'), undefined);
  assert.equal(voicemailHangUpReason(undefined, 'machine_start'), undefined);
});

/** The handoff's message to the call workflow, shared with the API's Twilio route. */
import { defineSignal } from '@temporalio/workflow';
import type { HandoffDialEvent } from './handoff-types.js';

/** The caller's `<Dial>` to an operator ended (Twilio's Dial action callback). */
export const handoffDialedSignal = defineSignal<[HandoffDialEvent]>('handoffDialed');

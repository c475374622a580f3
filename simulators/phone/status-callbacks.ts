/**
 * Status callbacks as Twilio sends them: only the events asked for, plus the
 * final one whenever a URL is set; numbered from 0 and delivered in order,
 * without holding up the call itself.
 */
import { buildCallParams } from './call-params.js';
import { msSinceCreated } from './call-record.js';
import { sendSignedRequest } from './signed-request.js';
import { formatRfc2822 } from './time.js';
import type { SimulatedCall, StatusCallbackEvent, StatusCallbackRecord } from './types.js';

export interface StatusCallbackConfig {
  url: string;
  method: 'GET' | 'POST';
  events: readonly StatusCallbackEvent[];
}

const STATUS_BY_EVENT: Record<Exclude<StatusCallbackEvent, 'completed'>, string> = {
  initiated: 'initiated',
  ringing: 'ringing',
  answered: 'in-progress',
};

export class StatusCallbackSender {
  private sequenceNumber = 0;
  private delivered: Promise<void> = Promise.resolve();

  constructor(
    private readonly call: SimulatedCall,
    private readonly config: StatusCallbackConfig | null,
    private readonly authToken: string,
  ) {}

  /** Queues the callback for `event` if it applies; 'completed' sends the final status. */
  notify(event: StatusCallbackEvent): void {
    const config = this.config;
    if (!config) return;
    if (event !== 'completed' && !config.events.includes(event)) return;

    const status = event === 'completed' ? this.call.status : STATUS_BY_EVENT[event];
    const params = buildCallParams(this.call, status);
    params.Timestamp = formatRfc2822(new Date());
    params.SequenceNumber = String(this.sequenceNumber);
    params.CallbackSource = 'call-progress-events';
    if (event === 'completed') params.CallDuration = String(this.call.durationSec ?? 0);

    const record: StatusCallbackRecord = {
      event,
      status,
      url: config.url,
      sequenceNumber: this.sequenceNumber,
      httpStatus: null,
      atMs: msSinceCreated(this.call),
    };
    this.sequenceNumber += 1;
    this.call.statusCallbacks.push(record);

    this.delivered = this.delivered.then(async () => {
      const request = { url: config.url, method: config.method, params, authToken: this.authToken };
      const response = await sendSignedRequest(request);
      record.httpStatus = response.httpStatus;
      if (response.error) record.error = response.error;
    });
  }

  /** Resolves when every callback queued so far has been answered or has failed. */
  flush(): Promise<void> {
    return this.delivered;
  }
}

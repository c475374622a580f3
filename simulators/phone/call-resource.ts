/**
 * A call rendered as Twilio's Call resource JSON, the body the twilio client
 * turns into a CallInstance.
 */
import { API_VERSION } from './call-params.js';
import { formatRfc2822 } from './time.js';
import type { SimulatedCall } from './types.js';

export function renderCallResource(call: SimulatedCall) {
  const uri = `/${API_VERSION}/Accounts/${call.accountSid}/Calls/${call.sid}.json`;
  const subresource = (name: string) => `${uri.slice(0, -'.json'.length)}/${name}.json`;
  const updatedAt = call.endedAt ?? call.answeredAt ?? call.createdAt;
  return {
    sid: call.sid,
    account_sid: call.accountSid,
    api_version: API_VERSION,
    annotation: null,
    answered_by: call.answeredBy,
    caller_name: null,
    date_created: formatRfc2822(call.createdAt),
    date_updated: formatRfc2822(updatedAt),
    direction: call.direction,
    duration: call.durationSec === null ? null : String(call.durationSec),
    start_time: call.answeredAt ? formatRfc2822(call.answeredAt) : null,
    end_time: call.endedAt ? formatRfc2822(call.endedAt) : null,
    forwarded_from: null,
    from: call.from,
    from_formatted: call.from,
    to: call.to,
    to_formatted: call.to,
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    status: call.status,
    trunk_sid: null,
    uri,
    subresource_uris: {
      notifications: subresource('Notifications'),
      recordings: subresource('Recordings'),
      payments: subresource('Payments'),
      events: subresource('Events'),
      siprec: subresource('Siprec'),
      streams: subresource('Streams'),
      transcriptions: subresource('Transcriptions'),
      user_defined_message_subscriptions: subresource('UserDefinedMessageSubscriptions'),
      user_defined_messages: subresource('UserDefinedMessages'),
    },
  };
}

/** Twilio's error body: { code, message, more_info, status }. */
export function renderTwilioError(httpStatus: number, code: number, message: string) {
  return {
    code,
    message,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status: httpStatus,
  };
}

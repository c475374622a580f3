/**
 * The control-plane bench's load: for each rate, new calls evenly spaced over
 * the step, alternating outbound (make-call) and inbound (Twilio's webhook),
 * and what its figures are made of (timestamps to milliseconds).
 */

export type CallKind = 'outbound' | 'inbound';

export interface PlannedCall {
  /** Milliseconds after the step starts. */
  atMs: number;
  kind: CallKind;
}

/** `rate` new calls a second for `seconds`: the first at 0, then every 1000/rate ms. */
export function callSchedule(rate: number, seconds: number): PlannedCall[] {
  if (!(rate > 0) || !(seconds > 0)) throw new RangeError('rate and seconds must be positive');
  const count = Math.round(rate * seconds);
  const gapMs = 1_000 / rate;
  return Array.from({ length: count }, (_, index) => ({
    atMs: Math.round(index * gapMs * 1_000) / 1_000,
    kind: index % 2 === 0 ? 'outbound' : 'inbound',
  }));
}

/** A comma-separated list of positive numbers (`--rates=2,5,10,20`). */
export function parseRates(text: string): number[] {
  const rates = text.split(',').map((part) => Number(part.trim()));
  if (rates.length === 0 || rates.some((rate) => !Number.isFinite(rate) || rate <= 0))
    throw new RangeError(`not a list of positive rates: ${text}`);
  return rates;
}

/** A protobuf Timestamp (seconds may be a Long) in epoch milliseconds; undefined when absent. */
export function timestampMs(
  value:
    { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined,
): number | undefined {
  if (!value || value.seconds === undefined || value.seconds === null) return undefined;
  const seconds = typeof value.seconds === 'number' ? value.seconds : value.seconds.toNumber();
  return seconds * 1_000 + (value.nanos ?? 0) / 1e6;
}

/**
 * When a callback may ring: outside the tenant's quiet hours, inside a
 * queue's business hours, in their own time zones. Pure (Intl only), so the
 * workflow and the API share it and unit tests pin it.
 */

export interface QuietHours {
  start: string;
  end: string;
}

/** {"mon": ["09:00", "17:00"], ...}; a missing day is closed; no days at all means always open. */
export type BusinessHours = Partial<Record<Weekday, [string, string]>>;
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

const MINUTE_MS = 60_000;
/** Searching further than a week means the hours are never open. */
const SEARCH_LIMIT_MINUTES = 8 * 24 * 60;

interface LocalTime {
  weekday: Weekday;
  minuteOfDay: number;
}

/** One formatter per time zone: making one costs far more than using it, and searches use many. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function localTime(at: Date, timeZone: string): LocalTime {
  const parts = formatterFor(timeZone).formatToParts(at);
  const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  return {
    weekday: part('weekday').toLowerCase().slice(0, 3) as Weekday,
    minuteOfDay: Number(part('hour')) * 60 + Number(part('minute')),
  };
}

export function minutesOf(clock: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(clock);
  if (!match) throw new Error(`not an HH:MM time: ${clock}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Whether a minute of the day falls in [start, end), wrapping past midnight when end < start. */
function within(minute: number, start: number, end: number): boolean {
  if (start === end) return false;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

export function isQuiet(at: Date, timeZone: string, quiet: QuietHours | null): boolean {
  if (!quiet) return false;
  const { minuteOfDay } = localTime(at, timeZone);
  return within(minuteOfDay, minutesOf(quiet.start), minutesOf(quiet.end));
}

export function isOpen(at: Date, timeZone: string, hours: BusinessHours): boolean {
  if (Object.keys(hours).length === 0) return true;
  const { weekday, minuteOfDay } = localTime(at, timeZone);
  const today = hours[weekday];
  return today !== undefined && within(minuteOfDay, minutesOf(today[0]), minutesOf(today[1]));
}

/** The first minute at or after `at` that passes `allowed`; null if none within a week. */
function firstAllowed(at: Date, allowed: (candidate: Date) => boolean): Date | null {
  if (allowed(at)) return at;
  const start = Math.ceil(at.getTime() / MINUTE_MS) * MINUTE_MS;
  for (let minute = 0; minute <= SEARCH_LIMIT_MINUTES; minute += 1) {
    const candidate = new Date(start + minute * MINUTE_MS);
    if (allowed(candidate)) return candidate;
  }
  return null;
}

/** The earliest time at or after `at` outside quiet hours. */
export function nextCallableTime(at: Date, timeZone: string, quiet: QuietHours | null): Date {
  return firstAllowed(at, (candidate) => !isQuiet(candidate, timeZone, quiet)) ?? at;
}

/** The queue's next open minute at or after `at` ("the next business hour"). */
export function nextBusinessTime(at: Date, timeZone: string, hours: BusinessHours): Date | null {
  // Days whose hours open and close at the same minute are closed: with only those, never open.
  const days = Object.values(hours);
  if (days.length > 0 && days.every(([open, close]) => minutesOf(open) === minutesOf(close)))
    return null;
  return firstAllowed(at, (candidate) => isOpen(candidate, timeZone, hours));
}

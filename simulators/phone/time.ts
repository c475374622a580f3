const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Twilio writes dates as RFC 2822 with a numeric zone: 'Tue, 31 Aug 2010 20:36:28 +0000'. */
export function formatRfc2822(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  const day = DAYS[date.getUTCDay()] ?? '';
  const month = MONTHS[date.getUTCMonth()] ?? '';
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${day}, ${pad(date.getUTCDate())} ${month} ${date.getUTCFullYear()} ${time} +0000`;
}

/** Node fires longer timers at once, so longer waits only end by abort. */
const MAX_TIMER_MS = 2_147_483_647;

/** Resolves true after `durationMs`, or false as soon as `signal` aborts. */
export function sleepUnlessAborted(durationMs: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timers: { pending?: NodeJS.Timeout } = {};
    const onAbort = () => {
      clearTimeout(timers.pending);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (durationMs > MAX_TIMER_MS) return;
    timers.pending = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, durationMs);
  });
}

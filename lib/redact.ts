/** Masks that keep phone numbers and secrets out of logs and API lists. */

/** `+15005550006` becomes `+1500***0006`: enough to tell calls apart, not to dial. */
export function maskPhoneNumber(number: string | undefined | null): string | undefined {
  if (!number) return undefined;
  if (number.length <= 6) return '***';
  return `${number.slice(0, 5)}***${number.slice(-4)}`;
}

/** Shows a secret's first characters only. */
export function maskSecret(secret: string, visible = 4): string {
  return `${secret.slice(0, visible)}${'*'.repeat(8)}`;
}

/** E.164 numbers, bare or URL-encoded (`%2B1500...`), not inside a longer run of digits. */
const E164 = /(\+|%2B)([1-9]\d{6,14})(?!\d)/gi;

/** Masks every E.164 number in `text` (a log line, an error message) as maskPhoneNumber does. */
export function maskPhoneNumbersIn(text: string): string {
  return text.replace(E164, (_match, plus: string, digits: string) => {
    const masked = maskPhoneNumber(`+${digits}`) ?? '***';
    return `${plus}${masked.slice(1)}`;
  });
}

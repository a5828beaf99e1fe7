/**
 * The date-times of the Channel framework: `created_at` of an external resource, e.g.
 * `2015-09-08T22:48:09Z` or `2015-09-08T15:48:09.123-07:00`.
 *
 * Both forms take a four-digit year, real calendar dates (leap years included), hours
 * 00–23, minutes 00–59, seconds 00–59 (60 only for a leap second, i.e. 23:59:60 in UTC), an
 * optional fraction of any number of digits, and a mandatory offset. `T` and `Z` may be
 * lower case (RFC 3339 grammar is case-insensitive).
 * - {@link isRfc3339DateTime}: RFC 3339 (section 5.6): the offset is `Z` or `±hh:mm`.
 * - {@link isIso8601DateTime}: also `±hhmm`, the ISO 8601 basic offset real clients send
 *   (`strftime('%z')` in Python, Ruby and C, Java's `Z` pattern): `2015-09-08T22:48:09+0000`.
 * Refused by both: a missing offset, an hour-only offset (`+00`), a space instead of `T`,
 * a comma before the fraction, week or ordinal dates, and anything else.
 */
const pattern = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:([Zz])|([+-])(\d{2})(:?)(\d{2}))$/;

/** True when `s` is an RFC 3339 date-time as described above. */
export function isRfc3339DateTime(s: string): boolean {
  return isDateTime(s, false);
}

/** True when `s` is an RFC 3339 date-time, or one with a `±hhmm` offset, as described above. */
export function isIso8601DateTime(s: string): boolean {
  return isDateTime(s, true);
}

function isDateTime(s: string, basicOffset: boolean): boolean {
  const m = pattern.exec(s);
  if (m === null) return false;
  if (m[7] === undefined && m[10] === '' && !basicOffset) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offsetHours = m[7] === undefined ? Number(m[9]) : 0;
  const offsetMinutes = m[7] === undefined ? Number(m[11]) : 0;
  if (month < 1 || month > 12) return false;
  if (day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 60) return false;
  if (offsetHours > 23 || offsetMinutes > 59) return false;
  if (second === 60) {
    // A leap second is only ever inserted at the end of a UTC day.
    const sign = m[8] === '-' ? -1 : 1;
    const utcMinutes = (((hour * 60 + minute - sign * (offsetHours * 60 + offsetMinutes)) % 1440) + 1440) % 1440;
    if (utcMinutes !== 23 * 60 + 59) return false;
  }
  return true;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

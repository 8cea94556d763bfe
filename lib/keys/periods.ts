/** Budget periods (SPEC §11): UTC calendar days, weeks from Monday, months; `total` never resets. */

export type Period = "day" | "week" | "month" | "total";

const DAY = 86_400_000;

/** The last period worked out, by kind: most requests fall in the one before them. */
const last = new Map<Period, { start: number; end: number }>();

/** When the period holding `now` began (epoch ms; 0 for `total`). */
export function periodStart(period: Period, now: number): number {
  const known = last.get(period);
  if (known && now >= known.start && now < known.end) return known.start;
  const start = calendarStart(period, now);
  const end = periodEnd(period, now);
  if (end !== null) last.set(period, { start, end });
  return start;
}

function calendarStart(period: Period, now: number): number {
  const d = new Date(now);
  if (period === "total") return 0;
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (period === "day") return day;
  if (period === "week") return day - ((d.getUTCDay() + 6) % 7) * DAY;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** When the period holding `now` ends and spend starts again from 0 (null for `total`). */
export function periodEnd(period: Period, now: number): number | null {
  const start = calendarStart(period, now);
  if (period === "total") return null;
  if (period === "day") return start + DAY;
  if (period === "week") return start + 7 * DAY;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** An instant as RFC 3339 UTC, to the second. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

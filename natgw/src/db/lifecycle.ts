import { type RawBuilder, sql } from 'kysely';

export type Pending = 'PENDING_CREATE' | 'PENDING_UPDATE' | 'PENDING_DELETE';
export type ResourceStatus = 'ACTIVE' | Pending;

/** The status a row shows at `now`, from its pending state and until when it lasts. */
export function statusAt(
  row: { pending: string | null; pending_until: number },
  now: number,
): ResourceStatus {
  return row.pending !== null && Number(row.pending_until) > now ? (row.pending as Pending) : 'ACTIVE';
}

/** The same as `statusAt`, in SQL, for filters on status. */
export function statusSql(now: number): RawBuilder<string> {
  return sql<string>`case when pending is not null and pending_until > ${now} then pending else 'ACTIVE' end`;
}

/** Rows that still exist at `now`: not deleted, or still PENDING_DELETE. */
export function alive(now: number): RawBuilder<boolean> {
  return sql<boolean>`(pending is null or pending <> 'PENDING_DELETE' or pending_until > ${now})`;
}

/** The last time `pageTime` gave, in microseconds: the next one in the same millisecond comes after it. */
let lastMicros = 0;

/**
 * `yyyy-mm-dd hh:mm:ss.ffffff`, UTC, as the pages write `created_at`: the millisecond `ms`, its
 * microseconds from the high-resolution clock, and within one millisecond always later than the
 * time given before, so that times order resources as they were made (ties are left to their ids).
 */
export function pageTime(ms: number): string {
  let micros = ms * 1000 + Math.floor((performance.now() % 1) * 1000);
  if (Math.floor(lastMicros / 1000) === ms && micros <= lastMicros)
    micros = Math.min(lastMicros + 1, ms * 1000 + 999);
  lastMicros = micros;
  const fraction = String(micros % 1000).padStart(3, '0');
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 23)}${fraction}`;
}

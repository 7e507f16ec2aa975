import { fdatasync } from 'node:fs';

/**
 * An fdatasync for LevelJournal's `syncFile` that records in `events` when
 * each call starts and ends (`sync <n> start` / `sync <n> end`): after
 * `delayMs` without touching the disk, or after the real fdatasync.
 */
export function recordingSync(events: string[], delayMs?: number): typeof fdatasync {
  let syncs = 0;
  return ((fd: number, done: (error: NodeJS.ErrnoException | null) => void) => {
    const id = syncs++;
    events.push(`sync ${id} start`);
    const end = (error: NodeJS.ErrnoException | null) => {
      events.push(`sync ${id} end`);
      done(error);
    };
    if (delayMs === undefined) fdatasync(fd, end);
    else setTimeout(() => end(null), delayMs);
  }) as unknown as typeof fdatasync;
}

/** How many syncs `events` records as started. */
export function syncsStarted(events: readonly string[]): number {
  return events.filter((event) => /^sync \d+ start$/.test(event)).length;
}

/** Whether some recorded sync started after the event `after` and ended before the event `before`. */
export function coveredBySync(events: readonly string[], after: string, before: string): boolean {
  const from = events.indexOf(after);
  const to = events.indexOf(before);
  return events.some((event, at) => {
    const match = /^sync (\d+) start$/.exec(event);
    return match !== null && at > from && events.indexOf(`sync ${match[1]} end`) < to;
  });
}

// How the console writes values: one place, so the runs list, the run page and the verify
// page say the same thing the same way.

export type Tone = 'ok' | 'bad' | 'warn' | 'info';

// Every status is a symbol and a word; the colour (tone) is only a third cue.
const STATUS_LOOK: Record<string, { symbol: string; tone: Tone }> = {
  succeeded: { symbol: '✓', tone: 'ok' },
  success: { symbol: '✓', tone: 'ok' },
  failed: { symbol: '✗', tone: 'bad' },
  failure: { symbol: '✗', tone: 'bad' },
  halted: { symbol: '■', tone: 'bad' },
  aborted: { symbol: '■', tone: 'bad' },
  retry: { symbol: '↻', tone: 'warn' },
  // Written before a side effect, and normally followed by its outcome row.
  started: { symbol: '…', tone: 'info' },
  running: { symbol: '▶', tone: 'info' },
  queued: { symbol: '◷', tone: 'info' },
  completed: { symbol: '✓', tone: 'ok' },
};

/** The symbol and tone of a run, trace or step status (unknown ones are shown as they are, never as success). */
export function statusLook(status: string): { symbol: string; tone: Tone } {
  return STATUS_LOOK[status] ?? { symbol: '?', tone: 'warn' };
}

/** `1.2 s`, `340 ms`, `2 min 5 s`; `—` when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return minutes < 60 ? `${minutes} min ${seconds} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Milliseconds between two ISO times, or null. */
export function between(start: string | null | undefined, end: string | null | undefined): number | null {
  if (!start || !end) return null;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) ? ms : null;
}

/** Costs are cents throughout AOS (SPEC §8): `12¢`, `0.125¢`, `1,250¢`. */
export function formatCents(cents: number | null | undefined): string {
  if (cents === null || cents === undefined || !Number.isFinite(cents)) return '—';
  const digits = cents === 0 || Math.abs(cents) >= 10 ? 0 : Math.abs(cents) >= 1 ? 2 : 3;
  return `${cents.toLocaleString('en-US', { maximumFractionDigits: digits })}¢`;
}

/** A local date and time a reader can scan (`2026-02-09 18:12:00`), `—` when absent. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** The first characters of a hash or id, for tables (the whole value sits in a title). */
export function short(value: string | null | undefined, length = 12): string {
  if (!value) return '—';
  return value.length > length ? `${value.slice(0, length)}…` : value;
}

/** JSON as a reader sees it, indented. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'undefined';
}

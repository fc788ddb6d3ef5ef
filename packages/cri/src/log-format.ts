/**
 * The CRI container log format the kubelet reads (`kubectl logs`): one line per
 * record, `<RFC3339Nano timestamp> <stdout|stderr> <F|P> <content>`, where P
 * marks a partial line (the content continues in the next record) and F a full
 * one. Runtimes write it to ContainerStatus.logPath.
 */
export type LogStream = 'stdout' | 'stderr';
export type LogTag = 'F' | 'P';

export interface CriLogLine {
  /** The timestamp as written (nanosecond precision kept as text). */
  timestamp: string;
  /** Milliseconds since the epoch, for sorting and `sinceTime`. */
  time: number;
  stream: LogStream;
  tag: LogTag;
  content: string;
}

/**
 * RFC 3339 with nine fractional digits, always in UTC: fixed width, so log
 * lines from one file sort as text. `extraNanos` adds the sub-millisecond part
 * when the caller has it (0 to 999999).
 */
export function formatCriTimestamp(ms: number, extraNanos = 0): string {
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
  const millis = iso.slice(20, 23);
  const nanos = String(Math.max(0, Math.min(999_999, Math.trunc(extraNanos)))).padStart(6, '0');
  return `${iso.slice(0, 19)}.${millis}${nanos}Z`;
}

/** One record, with its trailing newline. `content` must not contain '\n'. */
export function formatCriLogLine(ms: number, stream: LogStream, content: string, tag: LogTag = 'F'): string {
  return `${formatCriTimestamp(ms)} ${stream} ${tag} ${content}\n`;
}

/**
 * Splits output into records: each '\n'-terminated line is F; a trailing
 * unterminated rest is P (the process may still complete it).
 */
export function formatCriLogRecords(ms: number, stream: LogStream, output: string): string {
  if (output === '') return '';
  const parts = output.split('\n');
  const rest = parts.pop() ?? '';
  let out = parts.map((p) => formatCriLogLine(ms, stream, p, 'F')).join('');
  if (rest !== '') out += formatCriLogLine(ms, stream, rest, 'P');
  return out;
}

const LINE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) (stdout|stderr) ([FP]) (.*)$/;

/** Parses one record (without its newline); undefined if it is not in CRI format. */
export function parseCriLogLine(line: string): CriLogLine | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const [, timestamp = '', stream, tag, content = ''] = m;
  const time = Date.parse(timestamp);
  if (Number.isNaN(time)) return undefined;
  return { timestamp, time, stream: stream as LogStream, tag: tag as LogTag, content };
}

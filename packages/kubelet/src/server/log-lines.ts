/**
 * Turns CRI log records (`<RFC3339Nano> stdout|stderr P|F <text>`) into the
 * lines `kubectl logs` shows. A `P` record is a fragment of a line the
 * process had not finished when the runtime flushed it; the fragments of one
 * stream join with that stream's next records up to and including its `F`
 * record, and the whole line carries the first fragment's timestamp (when
 * the line began). Records of the other stream may interleave and do not
 * break the join. Records that are not in CRI format are skipped, as the
 * kubelet does.
 */
import { parseCriLogLine, type LogStream } from '@mk8s/cri';

/** One complete line of container output. */
export interface LogLine {
  /** RFC3339Nano, UTC, nine fractional digits (Kubernetes' RFC3339NanoFixed). */
  timestamp: string;
  /** Milliseconds since the epoch, for `since` filtering. */
  time: number;
  stream: LogStream;
  text: string;
}

export class LogLineAssembler {
  private readonly pending = new Map<LogStream, { timestamp: string; time: number; parts: string[] }>();

  /** Feeds one raw record (without its newline); returns the line it completes, if any. */
  push(record: string): LogLine | undefined {
    const rec = parseCriLogLine(record.endsWith('\r') ? record.slice(0, -1) : record);
    if (!rec) return undefined;
    let open = this.pending.get(rec.stream);
    if (!open) {
      open = { timestamp: fixedTimestamp(rec.timestamp, rec.time), time: rec.time, parts: [] };
      this.pending.set(rec.stream, open);
    }
    open.parts.push(rec.content);
    if (rec.tag === 'P') return undefined;
    this.pending.delete(rec.stream);
    return { timestamp: open.timestamp, time: open.time, stream: rec.stream, text: open.parts.join('') };
  }

  /**
   * Ends the unfinished lines (the log ended mid-line: the container exited
   * or the reader stops), oldest first.
   */
  flush(): LogLine[] {
    const out = [...this.pending.entries()].map(([stream, p]) => ({ timestamp: p.timestamp, time: p.time, stream, text: p.parts.join('') }));
    this.pending.clear();
    return out.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  }
}

/** The line as sent to the client: optional `<timestamp> ` prefix, text, newline. */
export function renderLogLine(line: LogLine, timestamps: boolean): string {
  return `${timestamps ? `${line.timestamp} ` : ''}${line.text}\n`;
}

const FIXED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;
const FRACTION = /\.(\d+)/;

/**
 * Normalises a record's timestamp to UTC with exactly nine fractional digits
 * (what runtimes write anyway), keeping the sub-millisecond digits the text has.
 */
export function fixedTimestamp(text: string, time: number): string {
  if (FIXED.test(text)) return text;
  const digits = (FRACTION.exec(text)?.[1] ?? '').padEnd(9, '0').slice(0, 9);
  return `${new Date(time).toISOString().slice(0, 19)}.${digits}Z`;
}

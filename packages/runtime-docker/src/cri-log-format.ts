/**
 * The CRI container log format the kubelet reads for `kubectl logs`:
 * one entry per line, `<RFC3339Nano time> <stdout|stderr> <F|P> <content>\n`,
 * where F closes a line and P marks a partial line continued by the next entry.
 *
 * Input is what Docker's logs API returns with `timestamps: true`: each
 * message prefixed by its RFC3339Nano time and a space.
 */

import type { LogStream } from '@mk8s/cri';

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) /;

/**
 * Docker trims trailing zeros from the fraction; CRI files use nine digits
 * (fixed width, so entries of one file sort as text, as @mk8s/cri writes them).
 */
function fixedWidth(m: RegExpExecArray): string {
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}${m[3]}`;
}

function entry(time: string, stream: LogStream, tag: 'F' | 'P', content: string): string {
  return `${time} ${stream} ${tag} ${content}\n`;
}

/**
 * Converts one chunk of Docker log output (normally one demultiplexed frame,
 * i.e. one message) to CRI log entries. A chunk ending without a newline is a
 * partial message (Docker splits long lines) and becomes a P entry. Lines that
 * lack Docker's timestamp (TTY output that Docker did not frame) get `now`.
 */
export function toCriLogEntries(chunk: string, stream: LogStream, now: () => string = () => new Date().toISOString()): string {
  if (chunk.length === 0) return '';
  const complete = chunk.endsWith('\n');
  const lines = (complete ? chunk.slice(0, -1) : chunk).split('\n');
  let out = '';
  lines.forEach((line, i) => {
    const last = i === lines.length - 1;
    const tag = last && !complete ? 'P' : 'F';
    const m = TIMESTAMP.exec(line);
    const time = m ? fixedWidth(m) : now();
    const content = m ? line.slice(m[0].length) : line;
    out += entry(time, stream, tag, content);
  });
  return out;
}

/** The time of the last entry of a CRI log file's tail, or undefined. */
export function lastEntryTime(tail: string): string | undefined {
  const lines = tail.split('\n').filter((l) => l.length > 0);
  const last = lines[lines.length - 1];
  if (last === undefined) return undefined;
  const space = last.indexOf(' ');
  return space > 0 ? last.slice(0, space) : undefined;
}

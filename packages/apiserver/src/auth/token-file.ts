/**
 * The static token file (`--token-auth-file`), in Kubernetes' CSV format:
 * one `token,user,uid,"group1,group2"` record a line (at least three
 * columns; the groups column is optional). Blank lines and lines starting
 * with `#` are skipped. The file is re-read when its modification time
 * changes, so a user added to it can log in without a restart.
 */
import { readFileSync, statSync } from 'node:fs';
import type { UserInfo } from './user.js';
import { errorMessage } from '@mk8s/api';

/** A line of the token file that cannot be used. */
export class TokenFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenFileError';
  }
}

/** Splits one CSV record: commas separate fields, double quotes enclose fields that hold commas (`""` is a quote). */
export function splitCsvRecord(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur.trim() === '') {
      quoted = true;
      cur = '';
    } else if (ch === ',') {
      fields.push(cur);
      cur = '';
    } else cur += ch;
  }
  // Never echo the line: it holds a token, and the message reaches the log.
  if (quoted) throw new TokenFileError('unterminated quoted field');
  fields.push(cur);
  return fields.map((f) => f.trim());
}

/** Parses the file's text into token -> user. Throws TokenFileError naming the line of a malformed record. */
export function parseTokenFile(text: string): Map<string, UserInfo> {
  const users = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    let fields: string[];
    try {
      fields = splitCsvRecord(line);
    } catch (err) {
      throw new TokenFileError(`token file line ${i + 1}: ${errorMessage(err)}`);
    }
    if (fields.length < 3) throw new TokenFileError(`token file line ${i + 1}: needs at least 3 columns (token,user,uid), got ${fields.length}`);
    const [token, name, uid, groups] = fields as [string, string, string, string | undefined];
    if (token === '' || name === '') throw new TokenFileError(`token file line ${i + 1}: the token and the user name must not be empty`);
    users.set(token, {
      name,
      uid: uid || undefined,
      groups: (groups ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter((g) => g !== ''),
    });
  });
  return users;
}

/** The token file at `path`, read now and again whenever it changes (checked at most once a second). */
export class TokenFile {
  private users: Map<string, UserInfo>;
  private mtimeMs: number;
  private checkedAt = 0;

  constructor(
    readonly path: string,
    private readonly onReloadError: (err: Error) => void = () => {},
  ) {
    this.mtimeMs = statSync(path).mtimeMs;
    this.users = parseTokenFile(readFileSync(path, 'utf8'));
  }

  lookup(token: string, now = Date.now()): UserInfo | undefined {
    if (now - this.checkedAt >= 1000) {
      this.checkedAt = now;
      this.reloadIfChanged();
    }
    return this.users.get(token);
  }

  /** A file that became unreadable or malformed keeps the users read last. */
  private reloadIfChanged(): void {
    try {
      const mtimeMs = statSync(this.path).mtimeMs;
      if (mtimeMs === this.mtimeMs) return;
      this.users = parseTokenFile(readFileSync(this.path, 'utf8'));
      this.mtimeMs = mtimeMs;
    } catch (err) {
      this.onReloadError(err as Error);
    }
  }
}

import { describe, expect, it } from 'vitest';
import { parseTokenFile, splitCsvRecord, TokenFileError } from './token-file.js';

describe('token file', () => {
  it('parses Kubernetes CSV records: token,user,uid,"groups"', () => {
    const users = parseTokenFile('# comment\n\nt1,alice,a-uid,"dev, ops"\nt2,bob,,\nt3,carol,c\n');
    expect(users.get('t1')).toEqual({ name: 'alice', uid: 'a-uid', groups: ['dev', 'ops'] });
    expect(users.get('t2')).toEqual({ name: 'bob', groups: [] });
    expect(users.get('t3')).toEqual({ name: 'carol', uid: 'c', groups: [] });
    expect(users.size).toBe(3);
  });

  it('splits quoted fields, with doubled quotes', () => {
    expect(splitCsvRecord('a, "b,c" ,"d""e"')).toEqual(['a', 'b,c', 'd"e']);
  });

  it('names the line of a malformed record', () => {
    expect(() => parseTokenFile('ok,u,1\nonly-two,cols\n')).toThrow(new TokenFileError('token file line 2: needs at least 3 columns (token,user,uid), got 2'));
    expect(() => parseTokenFile(',u,1\n')).toThrow(TokenFileError);
    expect(() => parseTokenFile('t,u,1,"open\n')).toThrow(/line 1: unterminated/);
  });

  it('never puts the token of a malformed line in its message', () => {
    for (const text of ['s3cr3t-token,u,1,"open\n', 's3cr3t-token,only-two\n', 's3cr3t-token,,1\n']) {
      let message = '';
      try {
        parseTokenFile(text);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^token file line 1: /);
      expect(message).not.toContain('s3cr3t');
    }
  });
});

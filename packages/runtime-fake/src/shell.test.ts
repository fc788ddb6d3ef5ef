import { describe, expect, it } from 'vitest';
import { interpret } from './shell.js';

const main = (argv: string[]) => interpret(argv, { unknown: 'block' });
const exec = (argv: string[]) => interpret(argv, { unknown: 'succeed' });

describe('interpret', () => {
  it('runs forever without a command (the image default) or with one it does not know', () => {
    expect(main([])).toEqual([{ kind: 'block' }]);
    expect(main(['httpd', '-f', '-p', '80'])).toEqual([{ kind: 'block' }]);
    expect(main(['sleep', 'infinity'])).toEqual([{ kind: 'block' }]);
  });

  it('runs simple commands given as argv', () => {
    expect(main(['echo', 'hello', 'world'])).toEqual([
      { kind: 'out', stream: 'stdout', text: 'hello world\n' },
      { kind: 'exit', code: 0 },
    ]);
    expect(main(['/bin/sleep', '1.5'])).toEqual([
      { kind: 'sleep', ms: 1500 },
      { kind: 'exit', code: 0 },
    ]);
    expect(main(['false'])).toEqual([{ kind: 'exit', code: 1 }]);
  });

  it('runs sh -c scripts with ;, &&, ||, quotes and >&2', () => {
    expect(
      main([
        'sh',
        '-c',
        `echo "a  b"; echo 'c;d' >&2 && sleep 2
exit 3`,
      ]),
    ).toEqual([
      { kind: 'out', stream: 'stdout', text: 'a  b\n' },
      { kind: 'out', stream: 'stderr', text: 'c;d\n' },
      { kind: 'sleep', ms: 2000 },
      { kind: 'exit', code: 3 },
    ]);
    expect(main(['/bin/sh', '-c', 'false && echo no || echo yes'])).toEqual([
      { kind: 'out', stream: 'stdout', text: 'yes\n' },
      { kind: 'exit', code: 0 },
    ]);
    expect(main(['sh', '-c', 'true; false'])).toEqual([{ kind: 'exit', code: 1 }]);
    expect(main(['sh', '-c', 'exit 300'])).toEqual([{ kind: 'exit', code: 44 }]);
    expect(main(['sh', '-c', 'echo -n x\\ y'])).toEqual([
      { kind: 'out', stream: 'stdout', text: 'x y' },
      { kind: 'exit', code: 0 },
    ]);
  });

  it('stops at exit and blocks at an unknown command in a container', () => {
    expect(main(['sh', '-c', 'exit 2; echo never'])).toEqual([{ kind: 'exit', code: 2 }]);
    expect(main(['sh', '-c', 'echo start; nginx -g "daemon off;"'])).toEqual([{ kind: 'out', stream: 'stdout', text: 'start\n' }, { kind: 'block' }]);
  });

  it('treats unknown commands as succeeding probes in exec', () => {
    expect(exec(['cat', '/tmp/healthy'])).toEqual([{ kind: 'exit', code: 0 }]);
    expect(exec(['sh', '-c', 'wget -q localhost; exit 5'])).toEqual([{ kind: 'exit', code: 5 }]);
  });

  it('reports a bad sleep argument like sh does', () => {
    expect(main(['sleep', 'soon'])).toEqual([
      { kind: 'out', stream: 'stderr', text: "sleep: invalid number 'soon'\n" },
      { kind: 'exit', code: 1 },
    ]);
  });
});

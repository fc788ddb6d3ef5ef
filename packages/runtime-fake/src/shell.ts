/**
 * A pretend process: the fake runtime turns a container's argv into a list of
 * steps instead of running anything. It understands the handful of commands
 * tests and example pods use (`echo`, `sleep`, `exit`, `true`, `false`, and
 * `sh -c` scripts of them joined by `;`, `&&`, `||` or newlines, with `>&2`),
 * which is enough for the conformance suite to pass without per-test scripts.
 */
export type Step =
  | { kind: 'out'; stream: 'stdout' | 'stderr'; text: string }
  | { kind: 'sleep'; ms: number }
  | { kind: 'exit'; code: number }
  /** Runs until killed: a server, `sleep infinity`, or a command we do not know. */
  | { kind: 'block' };

export interface InterpretOptions {
  /**
   * What an unknown command does: 'block' (a container's main process: assume
   * it is a server and runs until stopped) or 'succeed' (exec: assume a probe
   * like `cat /tmp/healthy` that works, status 0, no output).
   */
  unknown: 'block' | 'succeed';
  /** Who the process is (its container's security context); default: root with Docker's capabilities. */
  process?: ProcessContext;
}

/**
 * The identity and restrictions of a pretend process, so that `id`,
 * `cat /proc/self/status`, `touch` on a read-only root and `chown` without
 * CAP_CHOWN answer as in a real container.
 */
export interface ProcessContext {
  uid: number;
  gid: number;
  /** Supplementary groups. */
  groups: number[];
  noNewPrivs: boolean;
  /** Effective capabilities, names without CAP_. */
  capabilities: ReadonlySet<string>;
  /** Whether a path outside the container's writable mounts is read-only. */
  readOnly: (path: string) => boolean;
}

/** Linux capability numbers (capability.h), for CapEff. */
export const CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
] as const;

/** What Docker and containerd grant a container by default. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FSETID',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
  'AUDIT_WRITE',
];

export const ROOT_PROCESS: ProcessContext = {
  uid: 0,
  gid: 0,
  groups: [],
  noNewPrivs: false,
  capabilities: new Set(DEFAULT_CAPABILITIES),
  readOnly: () => false,
};

function capMask(caps: ReadonlySet<string>): string {
  let mask = 0n;
  CAPABILITIES.forEach((name, bit) => {
    if (caps.has(name)) mask |= 1n << BigInt(bit);
  });
  return mask.toString(16).padStart(16, '0');
}

/** The lines of /proc/self/status a test looks at. */
function procStatus(p: ProcessContext): string {
  const ids = (n: number): string => `${n}\t${n}\t${n}\t${n}`;
  const caps = capMask(p.capabilities);
  return [
    `Uid:\t${ids(p.uid)}`,
    `Gid:\t${ids(p.gid)}`,
    `Groups:\t${p.groups.join(' ')}${p.groups.length ? ' ' : ''}`,
    `CapInh:\t0000000000000000`,
    `CapPrm:\t${caps}`,
    `CapEff:\t${caps}`,
    `CapBnd:\t${caps}`,
    `NoNewPrivs:\t${p.noNewPrivs ? 1 : 0}`,
    `Seccomp:\t2`,
    '',
  ].join('\n');
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash']);

/** Steps for argv; they always end with an exit step unless they block. */
export function interpret(argv: readonly string[], options: InterpretOptions): Step[] {
  if (argv.length === 0) return [{ kind: 'block' }];
  const name = basename(argv[0] ?? '');
  if (SHELLS.has(name) && argv[1] === '-c') {
    return runList(parseScript(argv[2] ?? ''), options);
  }
  return runList([{ words: [...argv], toStderr: false, op: ';' }], options);
}

interface Command {
  words: string[];
  toStderr: boolean;
  /** How this command is joined to the previous one. */
  op: ';' | '&&' | '||';
}

function runList(commands: Command[], options: InterpretOptions): Step[] {
  const steps: Step[] = [];
  const proc = options.process ?? ROOT_PROCESS;
  let status = 0;
  const fail = (text: string): void => {
    steps.push({ kind: 'out', stream: 'stderr', text });
    status = 1;
  };
  for (const cmd of commands) {
    if ((cmd.op === '&&' && status !== 0) || (cmd.op === '||' && status === 0)) continue;
    if (cmd.words.length === 0) continue;
    const [first = '', ...args] = cmd.words;
    switch (basename(first)) {
      case 'echo': {
        const noNewline = args[0] === '-n';
        const text = (noNewline ? args.slice(1) : args).join(' ') + (noNewline ? '' : '\n');
        if (text !== '') steps.push({ kind: 'out', stream: cmd.toStderr ? 'stderr' : 'stdout', text });
        status = 0;
        break;
      }
      case 'sleep': {
        const arg = args[0] ?? '';
        if (arg === 'infinity') {
          steps.push({ kind: 'block' });
          return steps;
        }
        const seconds = Number(arg);
        if (!Number.isFinite(seconds) || seconds < 0) {
          steps.push({ kind: 'out', stream: 'stderr', text: `sleep: invalid number '${arg}'\n` });
          status = 1;
        } else {
          steps.push({ kind: 'sleep', ms: seconds * 1000 });
          status = 0;
        }
        break;
      }
      case 'exit': {
        const code = args.length > 0 ? Number(args[0]) : status;
        steps.push({ kind: 'exit', code: Number.isInteger(code) ? code & 255 : 2 });
        return steps;
      }
      case 'true':
      case ':':
        status = 0;
        break;
      case 'false':
        status = 1;
        break;
      case 'id': {
        const groups = [...new Set([proc.gid, ...proc.groups])];
        const text =
          args[0] === '-u'
            ? `${proc.uid}`
            : args[0] === '-g'
              ? `${proc.gid}`
              : args[0] === '-G'
                ? groups.join(' ')
                : `uid=${proc.uid} gid=${proc.gid} groups=${groups.join(',')}`;
        steps.push({ kind: 'out', stream: cmd.toStderr ? 'stderr' : 'stdout', text: `${text}\n` });
        status = 0;
        break;
      }
      case 'cat':
        if (args.length === 1 && args[0] === '/proc/self/status') {
          steps.push({ kind: 'out', stream: cmd.toStderr ? 'stderr' : 'stdout', text: procStatus(proc) });
          status = 0;
          break;
        }
        if (!unknown()) return steps;
        break;
      case 'touch': {
        const ro = args.find((a) => !a.startsWith('-') && proc.readOnly(a));
        if (ro !== undefined) fail(`touch: ${ro}: Read-only file system\n`);
        else if (!unknown()) return steps;
        break;
      }
      case 'chown': {
        const target = args.filter((a) => !a.startsWith('-'))[1];
        if (target !== undefined && !proc.capabilities.has('CHOWN')) fail(`chown: ${target}: Operation not permitted\n`);
        else if (!unknown()) return steps;
        break;
      }
      default:
        if (!unknown()) return steps;
    }
  }
  steps.push({ kind: 'exit', code: status });
  return steps;

  /** An unknown command: false when it blocks (the list ends there). */
  function unknown(): boolean {
    if (options.unknown === 'block') {
      steps.push({ kind: 'block' });
      return false;
    }
    status = 0;
    return true;
  }
}

/** Splits a script into simple commands; quotes and backslashes as sh reads them, no expansion. */
function parseScript(script: string): Command[] {
  const commands: Command[] = [];
  let current: Command = { words: [], toStderr: false, op: ';' };
  let word: string | undefined;
  const endWord = (): void => {
    if (word === undefined) return;
    if (word === '>&2' || word === '1>&2') current.toStderr = true;
    else if (word !== '2>&1') current.words.push(word);
    word = undefined;
  };
  const endCommand = (nextOp: Command['op']): void => {
    endWord();
    commands.push(current);
    current = { words: [], toStderr: false, op: nextOp };
  };

  for (let i = 0; i < script.length; i++) {
    const ch = script[i] ?? '';
    const next = script[i + 1];
    if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      const stop = end < 0 ? script.length : end;
      word = (word ?? '') + script.slice(i + 1, stop);
      i = stop;
    } else if (ch === '"') {
      let text = '';
      let j = i + 1;
      for (; j < script.length && script[j] !== '"'; j++) {
        const c = script[j] ?? '';
        if (c === '\\' && j + 1 < script.length && '"\\$`'.includes(script[j + 1] ?? '')) {
          text += script[j + 1];
          j++;
        } else {
          text += c;
        }
      }
      word = (word ?? '') + text;
      i = j;
    } else if (ch === '\\' && next !== undefined) {
      word = (word ?? '') + next;
      i++;
    } else if (ch === ';' || ch === '\n') {
      endCommand(';');
    } else if (ch === '&' && next === '&') {
      endCommand('&&');
      i++;
    } else if (ch === '|' && next === '|') {
      endCommand('||');
      i++;
    } else if (ch === ' ' || ch === '\t') {
      endWord();
    } else {
      word = (word ?? '') + ch;
    }
  }
  endCommand(';');
  return commands;
}

function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

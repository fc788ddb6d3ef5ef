import path from 'node:path';

/** Where the launcher keeps a cluster's state: data, logs and pid files. */
export interface StatePaths {
  home: string;
  data: string;
  logs: string;
  run: string;
}

/** MK8S_HOME, else `.mk8s` in the current directory (the repo root for scripts/). */
export function statePaths(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): StatePaths {
  const home = path.resolve(cwd, env['MK8S_HOME'] ?? '.mk8s');
  return { home, data: path.join(home, 'data'), logs: path.join(home, 'logs'), run: path.join(home, 'run') };
}

// Proves that lint enforces ARCHITECTURE.md's layering: a forbidden import
// across project boundaries is an error, an allowed one is not.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const RULE = '@nx/enforce-module-boundaries';

async function lint(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: `${root}/${file}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === RULE || m.message.includes('ProjectGraph')).map((m) => m.message);
}

describe('module boundaries', () => {
  beforeAll(() => {
    // The lint rule reads Nx's cached project graph; computing it is what `npm run lint` does first.
    execFileSync(process.execPath, [`${root}/node_modules/nx/dist/bin/nx.js`, 'show', 'projects'], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false' },
      stdio: 'ignore',
    });
  });

  it('rejects a component package importing another component', async () => {
    const messages = await lint('packages/scheduler/src/forbidden.ts', "import '@mk8s/kubelet';\n");
    expect(messages.join('\n')).toMatch(/A project tagged with "layer:component" can only depend on libs tagged with/);
  });

  it('rejects anything but the apiserver importing storage', async () => {
    const messages = await lint('packages/controller-manager/src/forbidden.ts', "import '@mk8s/storage';\n");
    expect(messages.join('\n')).toMatch(/can only depend on libs tagged with/);
  });

  it('rejects the pure api package importing the runtime interface', async () => {
    const messages = await lint('packages/api/src/forbidden.ts', "import '@mk8s/cri';\n");
    expect(messages.join('\n')).toMatch(/"layer:api" can only depend on libs tagged with "layer:api"/);
  });

  it('allows a component to import the client and api', async () => {
    const messages = await lint('packages/scheduler/src/allowed.ts', "import '@mk8s/client';\nimport '@mk8s/api';\n");
    expect(messages).toEqual([]);
  });

  it('allows the apiserver to import storage', async () => {
    const messages = await lint('packages/apiserver/src/allowed.ts', "import '@mk8s/storage';\n");
    expect(messages).toEqual([]);
  });
});

// Proves that lint enforces the layering of docs/architecture.md: a forbidden import
// across project boundaries is an error, an allowed one is not.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const RULE = '@nx/enforce-module-boundaries';
/** The files linted here do not exist, so no TypeScript program holds them: the type-aware rules stay off. */
const UNTYPED = {
  languageOptions: { parserOptions: { projectService: false } },
  rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off', '@typescript-eslint/await-thenable': 'off' },
} as const;

async function lint(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root, overrideConfig: UNTYPED });
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

// Test code stays out of production code (docs/development.md, "Tests and test helpers").
describe('test code boundary', () => {
  async function restricted(file: string, code: string): Promise<string[]> {
    const eslint = new ESLint({ cwd: root, overrideConfig: UNTYPED });
    const [result] = await eslint.lintText(code, { filePath: `${root}/${file}` });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  }

  it('rejects production code importing @mk8s/testing, a testing/ folder or vitest', async () => {
    const code = "import '@mk8s/testing';\nimport '../testing/test-helpers.js';\nimport '@mk8s/cri/conformance';\nimport 'vitest';\n";
    const messages = await restricted('packages/kubelet/src/pods/forbidden.ts', code);
    expect(messages).toHaveLength(4);
  });

  it('allows tests and test helpers to import them', async () => {
    const code = "import '@mk8s/testing';\nimport '../testing/test-helpers.js';\nimport 'vitest';\n";
    expect(await restricted('packages/kubelet/src/pods/allowed.test.ts', code)).toEqual([]);
    expect(await restricted('packages/kubelet/src/testing/allowed.ts', code)).toEqual([]);
  });
});

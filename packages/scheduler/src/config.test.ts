import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, buildFramework, loadConfigFile, resolveConfig } from './config.js';

describe('resolveConfig', () => {
  it('defaults to the default profile with Kubernetes weights', () => {
    const cfg = resolveConfig();
    expect(cfg.schedulerName).toBe('default-scheduler');
    expect(cfg.filter).toEqual(['NodeUnschedulable', 'NodeName', 'NodeReady', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit']);
    expect(cfg.score).toEqual([
      { name: 'TaintToleration', weight: 3 },
      { name: 'NodeAffinity', weight: 2 },
      { name: 'SelectorSpread', weight: 2 },
      { name: 'NodeResourcesFit', weight: 1 },
      { name: 'NodeResourcesBalancedAllocation', weight: 1 },
    ]);
    expect(cfg).toMatchObject({ percentageOfNodesToScore: 0, initialBackoffMs: 1000, maxBackoffMs: 10_000, maxUnschedulableMs: 60_000 });
  });

  it('merges plugin sets: disabled removes, enabled appends or re-weights', () => {
    const cfg = resolveConfig({
      profiles: [
        {
          schedulerName: 'custom',
          plugins: {
            filter: { disabled: [{ name: 'NodePorts' }] },
            score: { disabled: [{ name: '*' }], enabled: [{ name: 'NodeResourcesFit', weight: 5 }, { name: 'SelectorSpread' }] },
          },
          pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }],
        },
      ],
    });
    expect(cfg.schedulerName).toBe('custom');
    expect(cfg.filter).not.toContain('NodePorts');
    expect(cfg.score).toEqual([
      { name: 'NodeResourcesFit', weight: 5 },
      { name: 'SelectorSpread', weight: 1 },
    ]);
    const fw = buildFramework(cfg);
    expect(fw.plugins.score.map((s) => [s.plugin.name, s.weight])).toEqual([
      ['NodeResourcesFit', 5],
      ['SelectorSpread', 1],
    ]);
    expect(resolveConfig({ profiles: [{ plugins: { score: { enabled: [{ name: 'TaintToleration', weight: 7 }] } } }] }).score[0]).toEqual({
      name: 'TaintToleration',
      weight: 7,
    });
  });

  it('rejects unknown plugins, misplaced plugins and bad numbers with a clear message', () => {
    expect(() => resolveConfig({ profiles: [{ plugins: { filter: { enabled: [{ name: 'Nope' }] } } }] })).toThrow(/unknown plugin "Nope"/);
    expect(() => buildFramework(resolveConfig({ profiles: [{ plugins: { score: { enabled: [{ name: 'NodePorts' }] } } }] }))).toThrow(/not a score plugin/);
    expect(() => buildFramework(resolveConfig({ profiles: [{ plugins: { filter: { enabled: [{ name: 'SelectorSpread' }] } } }] }))).toThrow(ConfigError);
    expect(() => resolveConfig({ percentageOfNodesToScore: 150 })).toThrow(/at most 100/);
    expect(() => resolveConfig({ podInitialBackoffSeconds: -1 })).toThrow(/non-negative/);
  });
});

describe('loadConfigFile', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  async function file(name: string, text: string) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sched-config-'));
    dirs.push(dir);
    const f = path.join(dir, name);
    await writeFile(f, text);
    return f;
  }

  it('reads JSON and YAML', async () => {
    const json = await file('c.json', JSON.stringify({ kind: 'KubeSchedulerConfiguration', percentageOfNodesToScore: 30 }));
    expect((await loadConfigFile(json)).percentageOfNodesToScore).toBe(30);
    const yaml = await file(
      'c.yaml',
      'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n  - plugins:\n      score:\n        enabled: [{ name: NodeAffinity, weight: 9 }]\n',
    );
    expect(resolveConfig(await loadConfigFile(yaml)).score.find((s) => s.name === 'NodeAffinity')?.weight).toBe(9);
  });

  it('names the file when it is missing, malformed or of another kind', async () => {
    await expect(loadConfigFile('/nonexistent/x.yaml')).rejects.toThrow(/cannot read config file/);
    await expect(loadConfigFile(await file('bad.json', '{"a": [}'))).rejects.toThrow(/neither JSON nor YAML/);
    await expect(loadConfigFile(await file('k.json', '{"kind": "Pod"}'))).rejects.toThrow(/kind must be KubeSchedulerConfiguration/);
  });
});

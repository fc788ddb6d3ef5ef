/**
 * The scheduler's configuration file (`--config FILE`): a subset of
 * Kubernetes' KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1),
 * in JSON or YAML. Only the first profile is used.
 *
 * ```yaml
 * apiVersion: kubescheduler.config.k8s.io/v1
 * kind: KubeSchedulerConfiguration
 * percentageOfNodesToScore: 0          # 0: adaptive (50 - nodes/125, at least 5 %)
 * podInitialBackoffSeconds: 1
 * podMaxBackoffSeconds: 10
 * profiles:
 *   - schedulerName: default-scheduler
 *     plugins:
 *       filter: { disabled: [{ name: NodePorts }] }
 *       score:
 *         disabled: [{ name: NodeResourcesBalancedAllocation }]
 *         enabled: [{ name: NodeResourcesFit, weight: 5 }]
 *     pluginConfig:
 *       - name: NodeResourcesFit
 *         args: { scoringStrategy: { type: MostAllocated } }
 * ```
 *
 * Plugin sets merge with the defaults as in Kubernetes: `disabled` removes
 * defaults (`*` removes all), then `enabled` adds plugins after the
 * remaining defaults, or, for a plugin already there, changes its weight.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { errorMessage, DEFAULT_SCHEDULER_NAME } from '@mk8s/api';
import { Framework } from './framework/framework.js';
import { isFilter, isScore, type Plugin } from './framework/types.js';
import { DEFAULT_FILTER_PLUGINS, DEFAULT_SCORE_PLUGINS, IN_TREE_PLUGINS } from './plugins/registry.js';

export interface PluginRef {
  name: string;
  weight?: number;
}

export interface PluginSet {
  enabled?: PluginRef[];
  disabled?: PluginRef[];
}

export interface SchedulerProfile {
  schedulerName?: string;
  plugins?: { filter?: PluginSet; score?: PluginSet };
  pluginConfig?: Array<{ name: string; args?: Record<string, unknown> }>;
}

export interface SchedulerConfiguration {
  apiVersion?: string;
  kind?: string;
  /** 0 or unset: adaptive, as Kubernetes (see numFeasibleNodesToFind). */
  percentageOfNodesToScore?: number;
  podInitialBackoffSeconds?: number;
  podMaxBackoffSeconds?: number;
  /** mk8s: how long a pod stays unschedulable before it is retried anyway (default 60). */
  podMaxInUnschedulablePodsDurationSeconds?: number;
  profiles?: SchedulerProfile[];
}

/** Defaults applied and plugin sets merged: what the Scheduler runs with. */
export interface ResolvedConfig {
  schedulerName: string;
  percentageOfNodesToScore: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  maxUnschedulableMs: number;
  filter: string[];
  score: Array<{ name: string; weight: number }>;
  pluginArgs: Record<string, Record<string, unknown>>;
}

/** A configuration file that cannot be used; the message names the problem. */
export class ConfigError extends Error {}

function checkName(ref: PluginRef, where: string): void {
  if (!ref || typeof ref.name !== 'string') throw new ConfigError(`${where}: every plugin needs a "name"`);
  if (ref.name !== '*' && !IN_TREE_PLUGINS[ref.name]) {
    throw new ConfigError(`${where}: unknown plugin "${ref.name}" (known: ${Object.keys(IN_TREE_PLUGINS).join(', ')})`);
  }
}

function nonNegative(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new ConfigError(`${name} must be a non-negative number, got ${JSON.stringify(value)}`);
  return value;
}

export function resolveConfig(cfg: SchedulerConfiguration = {}): ResolvedConfig {
  if (cfg.profiles !== undefined && !Array.isArray(cfg.profiles)) throw new ConfigError('profiles must be a list');
  const profile = cfg.profiles?.[0] ?? {};
  const percentage = nonNegative(cfg.percentageOfNodesToScore, 'percentageOfNodesToScore', 0);
  if (percentage > 100) throw new ConfigError(`percentageOfNodesToScore must be at most 100, got ${percentage}`);
  const initialBackoffMs = nonNegative(cfg.podInitialBackoffSeconds, 'podInitialBackoffSeconds', 1) * 1000;
  const maxBackoffMs = nonNegative(cfg.podMaxBackoffSeconds, 'podMaxBackoffSeconds', 10) * 1000;
  if (maxBackoffMs < initialBackoffMs) throw new ConfigError('podMaxBackoffSeconds must not be below podInitialBackoffSeconds');

  const filterSet = profile.plugins?.filter ?? {};
  const scoreSet = profile.plugins?.score ?? {};
  const disabledFilter = new Set((filterSet.disabled ?? []).map((r) => (checkName(r, 'plugins.filter.disabled'), r.name)));
  let filter = disabledFilter.has('*') ? [] : DEFAULT_FILTER_PLUGINS.filter((n) => !disabledFilter.has(n));
  for (const r of filterSet.enabled ?? []) {
    checkName(r, 'plugins.filter.enabled');
    if (!filter.includes(r.name)) filter = [...filter, r.name];
  }
  const disabledScore = new Set((scoreSet.disabled ?? []).map((r) => (checkName(r, 'plugins.score.disabled'), r.name)));
  const score = (disabledScore.has('*') ? [] : DEFAULT_SCORE_PLUGINS.filter((p) => !disabledScore.has(p.name))).map((p) => ({ ...p }));
  for (const r of scoreSet.enabled ?? []) {
    checkName(r, 'plugins.score.enabled');
    const weight = nonNegative(r.weight, `weight of score plugin ${r.name}`, 1);
    const existing = score.find((p) => p.name === r.name);
    if (existing) existing.weight = weight;
    else score.push({ name: r.name, weight });
  }
  const pluginArgs: Record<string, Record<string, unknown>> = {};
  for (const pc of profile.pluginConfig ?? []) {
    checkName(pc, 'pluginConfig');
    pluginArgs[pc.name] = pc.args ?? {};
  }
  return {
    schedulerName: profile.schedulerName || DEFAULT_SCHEDULER_NAME,
    percentageOfNodesToScore: percentage,
    initialBackoffMs,
    maxBackoffMs,
    maxUnschedulableMs: nonNegative(cfg.podMaxInUnschedulablePodsDurationSeconds, 'podMaxInUnschedulablePodsDurationSeconds', 60) * 1000,
    filter,
    score,
    pluginArgs,
  };
}

/** Reads a JSON or YAML file (JSON is YAML) as a SchedulerConfiguration. */
export async function loadConfigFile(file: string): Promise<SchedulerConfiguration> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${errorMessage(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is neither JSON nor YAML: ${errorMessage(err)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${file} must hold an object`);
  const kind = (parsed as SchedulerConfiguration).kind;
  if (kind !== undefined && kind !== 'KubeSchedulerConfiguration')
    throw new ConfigError(`config file ${file}: kind must be KubeSchedulerConfiguration, got ${kind}`);
  return parsed as SchedulerConfiguration;
}

/** Instantiates the plugins of a resolved configuration (one instance per name, shared by filter and score). */
export function buildFramework(cfg: ResolvedConfig): Framework {
  const instances = new Map<string, Plugin>();
  const instance = (name: string): Plugin => {
    let p = instances.get(name);
    if (!p) instances.set(name, (p = IN_TREE_PLUGINS[name]!(cfg.pluginArgs[name] ?? {})));
    return p;
  };
  const filters = cfg.filter.map((name) => {
    const p = instance(name);
    if (!isFilter(p)) throw new ConfigError(`plugin ${name} is not a filter plugin`);
    return p;
  });
  const scores = cfg.score.map(({ name, weight }) => {
    const p = instance(name);
    if (!isScore(p)) throw new ConfigError(`plugin ${name} is not a score plugin`);
    return { plugin: p, weight };
  });
  return Framework.fromPlugins(cfg.schedulerName, filters, scores);
}

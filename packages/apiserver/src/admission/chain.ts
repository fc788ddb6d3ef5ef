/**
 * The admission chain the registry runs on every create: mutating plugins in
 * order, then (after the strategy's own preparation and validation) the
 * validating plugins in order, each able to refuse with a `StatusError`. On
 * updates the registry runs the validating plugins only (update.ts).
 *
 * Order (as Kubernetes' recommended plugin order):
 *   mutating:   LimitRanger (defaults), DefaultTolerationSeconds
 *   validating: LimitRanger (min/max), PodSecurity, ResourceQuota (last: it
 *               charges usage, so every other plugin must have accepted)
 *
 * `enable`/`disable` take Kubernetes' plugin names
 * (`--enable-admission-plugins`, `--disable-admission-plugins`); all four are
 * on by default.
 */
import { DEFAULT_ADMISSION, type AdmissionSettings } from '../registry/strategy.js';
import { DefaultTolerationSeconds } from './plugins/default-toleration-seconds.js';
import { LimitRanger } from './plugins/limit-ranger.js';
import { DEFAULT_POD_SECURITY, PodSecurity, type PodSecuritySettings } from './plugins/pod-security.js';
import { ResourceQuotaAdmission } from './plugins/resource-quota.js';
import type { AdmissionAttributes, AdmissionContext, AdmissionFinisher, AdmissionHooks, AdmissionPlugin } from './types.js';

/** Every plugin mk8s has, in chain order. */
export const ADMISSION_PLUGINS = ['LimitRanger', 'DefaultTolerationSeconds', 'PodSecurity', 'ResourceQuota'] as const;
export type AdmissionPluginName = (typeof ADMISSION_PLUGINS)[number];

export interface AdmissionOptions {
  /** Plugins to turn on besides the defaults (all of mk8s' plugins are on by default). */
  enable?: readonly string[];
  /** Plugins to turn off. */
  disable?: readonly string[];
  podSecurity?: Partial<PodSecuritySettings>;
}

export class UnknownAdmissionPluginError extends Error {
  constructor(readonly plugin: string) {
    super(`unknown admission plugin "${plugin}"; known plugins: ${ADMISSION_PLUGINS.join(', ')}`);
    this.name = 'UnknownAdmissionPluginError';
  }
}

/** The plugin names a configuration turns on, in chain order. Throws `UnknownAdmissionPluginError` for a name mk8s lacks. */
export function enabledPlugins(opts: Pick<AdmissionOptions, 'enable' | 'disable'> = {}): AdmissionPluginName[] {
  for (const n of [...(opts.enable ?? []), ...(opts.disable ?? [])]) {
    if (!(ADMISSION_PLUGINS as readonly string[]).includes(n)) throw new UnknownAdmissionPluginError(n);
  }
  const off = new Set(opts.disable ?? []);
  return ADMISSION_PLUGINS.filter((n) => !off.has(n));
}

export class AdmissionChain implements AdmissionHooks {
  constructor(readonly plugins: readonly AdmissionPlugin[]) {}

  async mutate(attrs: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) if (p.admit && p.handles(attrs)) await p.admit(attrs);
  }

  async validate(attrs: AdmissionAttributes): Promise<AdmissionFinisher> {
    const finishers: AdmissionFinisher[] = [];
    const finish: AdmissionFinisher = (committed) => {
      for (const f of finishers.splice(0).reverse()) f(committed);
    };
    try {
      for (const p of this.plugins) {
        if (!p.validate || !p.handles(attrs)) continue;
        const f = await p.validate(attrs);
        if (f) finishers.push(f);
      }
    } catch (err) {
      finish(false);
      throw err;
    }
    return finish;
  }
}

/** Builds the chain the API server runs. */
export function buildAdmissionChain(ctx: AdmissionContext, opts: AdmissionOptions = {}, settings: Partial<AdmissionSettings> = {}): AdmissionChain {
  const podSecurity: PodSecuritySettings = { ...DEFAULT_POD_SECURITY, ...opts.podSecurity };
  const make: Record<AdmissionPluginName, () => AdmissionPlugin> = {
    LimitRanger: () => new LimitRanger(ctx),
    DefaultTolerationSeconds: () => new DefaultTolerationSeconds({ ...DEFAULT_ADMISSION, ...settings }),
    PodSecurity: () => new PodSecurity(ctx, podSecurity),
    ResourceQuota: () => new ResourceQuotaAdmission(ctx),
  };
  return new AdmissionChain(enabledPlugins(opts).map((n) => make[n]()));
}

/**
 * Which controllers a controller manager runs: a table of descriptors (as
 * Kubernetes' NewControllerDescriptors) and the `--controllers` grammar both
 * kube-controller-manager and cloud-controller-manager share: `*` is every
 * controller that is on by default, `name` (or an alias) adds one, `-name`
 * removes one; entries are trimmed and empty ones ignored.
 */
import type { RunnableController } from './controller-base.js';

export interface ControllerDescriptor<Ctx> {
  name: string;
  /** Older or shorter names `--controllers` also accepts. */
  aliases: readonly string[];
  /** Whether `*` includes it. */
  defaultOn: boolean;
  /** Workers when the settings name none for it. */
  defaultWorkers: number;
  /** Registers the controller's informers; nothing runs until `run`. */
  create(ctx: Ctx): RunnableController;
}

export class UnknownControllerError extends Error {}

/** Resolves `--controllers` entries to descriptors, in the table's order. Throws UnknownControllerError on an unknown name. */
export function selectControllers<D extends Pick<ControllerDescriptor<unknown>, 'name' | 'aliases' | 'defaultOn'>>(
  entries: readonly string[],
  table: readonly D[],
): D[] {
  const byName = new Map<string, D>();
  for (const d of table) for (const n of [d.name, ...d.aliases]) byName.set(n, d);
  const lookup = (n: string): D => {
    const d = byName.get(n);
    if (!d) throw new UnknownControllerError(`"${n}" is not a known controller; known: ${table.map((t) => t.name).join(', ')}`);
    return d;
  };
  const chosen = new Set<D>();
  const wanted = entries.map((e) => e.trim()).filter((e) => e !== '');
  if (wanted.includes('*')) for (const d of table) if (d.defaultOn) chosen.add(d);
  for (const e of wanted) {
    if (e === '*') continue;
    if (e.startsWith('-')) chosen.delete(lookup(e.slice(1)));
    else chosen.add(lookup(e));
  }
  return table.filter((d) => chosen.has(d));
}

/**
 * Creates the selected controllers, then (on `run`) starts the shared
 * informers once every controller has registered, and runs each controller
 * with its workers until the signal aborts.
 */
export class ControllerSet<Ctx> {
  readonly enabled: readonly ControllerDescriptor<Ctx>[];
  private readonly controllers: Array<{ descriptor: ControllerDescriptor<Ctx>; controller: RunnableController }>;

  constructor(table: readonly ControllerDescriptor<Ctx>[], entries: readonly string[], ctx: Ctx) {
    this.enabled = selectControllers(entries, table);
    this.controllers = this.enabled.map((descriptor) => ({ descriptor, controller: descriptor.create(ctx) }));
  }

  /** Runs every controller (`workers` overrides the descriptors' defaults by name); resolves once all have stopped. */
  async run(signal: AbortSignal, workers: Readonly<Record<string, number>> = {}): Promise<void> {
    await Promise.all(this.controllers.map(({ descriptor, controller }) => controller.run(signal, workers[descriptor.name] ?? descriptor.defaultWorkers)));
  }
}

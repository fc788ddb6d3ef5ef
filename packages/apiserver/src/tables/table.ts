/**
 * Builds the meta.k8s.io/v1 Table for a list (or a single object) of one
 * resource: the resource's printer when it has one, else Kubernetes' default
 * table (NAME and CREATED AT), with each row's object embedded as
 * `includeObject` asks.
 */
import { column, nameColumn } from './columns.js';
import { at, obj, str } from './json-fields.js';
import { configMapPrinter } from './printers/configmaps.js';
import { deploymentPrinter } from './printers/deployments.js';
import { endpointsPrinter } from './printers/endpoints.js';
import { eventPrinter } from './printers/events.js';
import { hpaPrinter } from './printers/hpas.js';
import { leasePrinter } from './printers/leases.js';
import { namespacePrinter } from './printers/namespaces.js';
import { nodePrinter } from './printers/nodes.js';
import { podPrinter } from './printers/pods.js';
import { replicaSetPrinter } from './printers/replicasets.js';
import { roleBindingPrinter } from './printers/rolebindings.js';
import { resourceQuotaPrinter } from './printers/resourcequotas.js';
import { secretPrinter } from './printers/secrets.js';
import { serviceAccountPrinter } from './printers/serviceaccounts.js';
import { servicePrinter } from './printers/services.js';
import { rfc3339 } from './time-cells.js';
import type { ResourcePrinter, Table, TableRow, ToTableOptions } from './types.js';

/** Printers by plural resource name (the name in the URL). */
const PRINTERS: ReadonlyMap<string, ResourcePrinter> = new Map([
  ['pods', podPrinter],
  ['nodes', nodePrinter],
  ['namespaces', namespacePrinter],
  ['services', servicePrinter],
  ['endpoints', endpointsPrinter],
  ['events', eventPrinter],
  ['configmaps', configMapPrinter],
  ['secrets', secretPrinter],
  ['serviceaccounts', serviceAccountPrinter],
  ['resourcequotas', resourceQuotaPrinter],
  ['leases', leasePrinter],
  ['replicasets', replicaSetPrinter],
  ['deployments', deploymentPrinter],
  ['horizontalpodautoscalers', hpaPrinter],
  ['rolebindings', roleBindingPrinter],
  ['clusterrolebindings', roleBindingPrinter],
]);

/** The plural resource names with a dedicated printer; others get the default table. */
export const TABLE_RESOURCES: readonly string[] = Object.freeze([...PRINTERS.keys()]);

/**
 * What a resource without a printer shows, as kube-apiserver's default table
 * convertor does (and what `kubectl get` prints for such a resource).
 */
const DEFAULT_PRINTER: ResourcePrinter = {
  columns: [nameColumn(), column('Created At', 'date', 'Time the object was created (metadata.creationTimestamp), in RFC 3339 UTC.')],
  print: (object) => ({ cells: [str(at(object, 'metadata', 'name')), rfc3339(at(object, 'metadata', 'creationTimestamp'))] }),
};

/**
 * Converts `objects` of `resource` (plural, e.g. "pods") to a Table. Pure:
 * the objects are not modified; with `includeObject: 'Object'` each row
 * holds a reference to its object, not a copy.
 */
export function toTable(resource: string, objects: Record<string, unknown>[], opts: ToTableOptions): Table {
  const printer = PRINTERS.get(resource) ?? DEFAULT_PRINTER;
  const include = opts.includeObject ?? 'Metadata';
  const rows = objects.map((object): TableRow => {
    const printed = printer.print(object, opts.now);
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions !== undefined) {
      row.conditions = printed.conditions;
    }
    if (include === 'Object') {
      row.object = object;
    } else if (include === 'Metadata') {
      row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj(object['metadata']) };
    }
    return row;
  });
  const metadata: Table['metadata'] = {};
  if (opts.resourceVersion !== undefined) {
    metadata.resourceVersion = opts.resourceVersion;
  }
  if (opts.continue !== undefined && opts.continue !== '') {
    metadata.continue = opts.continue;
  }
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders === true ? [] : printer.columns.map((definition) => ({ ...definition })),
    rows,
  };
}

/**
 * Builds the meta.k8s.io/v1 Table for a list (or a single object) of one
 * resource: the printer of its definition (resources/<kind>/printer.ts) when
 * it has one, else Kubernetes' default table (NAME and CREATED AT), with each
 * row's object embedded as `includeObject` asks.
 */
import { column, nameColumn } from './columns.js';
import { at, obj, str } from './json-fields.js';
import { rfc3339 } from './time-cells.js';
import type { ResourcePrinter, Table, TableRow, ToTableOptions } from './types.js';

/**
 * What a resource without a printer shows, as kube-apiserver's default table
 * convertor does (and what `kubectl get` prints for such a resource).
 */
const DEFAULT_PRINTER: ResourcePrinter = {
  columns: [nameColumn(), column('Created At', 'date', 'Time the object was created (metadata.creationTimestamp), in RFC 3339 UTC.')],
  print: (object) => ({ cells: [str(at(object, 'metadata', 'name')), rfc3339(at(object, 'metadata', 'creationTimestamp'))] }),
};

/**
 * Converts `objects` to a Table with a resource's printer (its definition's;
 * the default table when it has none). Pure: the objects are not modified;
 * with `includeObject: 'Object'` each row holds a reference to its object,
 * not a copy.
 */
export function toTable(resourcePrinter: ResourcePrinter | undefined, objects: Record<string, unknown>[], opts: ToTableOptions): Table {
  const printer = resourcePrinter ?? DEFAULT_PRINTER;
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

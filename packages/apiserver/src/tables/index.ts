/**
 * Server-side printing for `kubectl get`: turns objects of a resource into
 * the meta.k8s.io/v1 Table kubectl asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with the columns
 * and cell logic of Kubernetes' own printers.
 *
 * @example
 * ```ts
 * import { toTable } from './tables/index.js';
 *
 * const table = toTable(definition.printer, list.items, {
 *   now: Date.now(),
 *   includeObject: query.includeObject ?? 'Metadata',
 *   resourceVersion: list.metadata.resourceVersion,
 *   continue: list.metadata.continue,
 * });
 * reply.type('application/json').send(table);
 * ```
 */
export { toTable } from './table.js';
export { humanDuration } from './duration.js';
export type { IncludeObjectPolicy, PrintedRow, ResourcePrinter, Table, TableColumnDefinition, TableRow, TableRowCondition, ToTableOptions } from './types.js';

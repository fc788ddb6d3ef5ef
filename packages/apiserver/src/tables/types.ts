/**
 * The meta.k8s.io/v1 Table that `kubectl get` asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, in its JSON wire
 * shape, plus the contract each per-resource printer fulfils.
 */

/** One column. `priority` 0 columns always show; 1 only with `-o wide`. */
export interface TableColumnDefinition {
  name: string;
  /** OpenAPI type of the cells: `string`, `integer`, `number`, `boolean` or `date`. */
  type: string;
  /** OpenAPI format; `name` marks the column holding the object's name. */
  format: string;
  description: string;
  priority: number;
}

/** Set on a row whose object reached a final state (e.g. a Succeeded pod). */
export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface TableRow {
  /** One cell per column definition, same order. */
  cells: unknown[];
  conditions?: TableRowCondition[];
  /** The object, its PartialObjectMetadata, or absent (`includeObject=None`). */
  object?: Record<string, unknown>;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** What `includeObject` asks to embed in each row. */
export type IncludeObjectPolicy = 'None' | 'Metadata' | 'Object';

export interface ToTableOptions {
  /** Current time in epoch milliseconds; ages are computed against it. */
  now: number;
  /** Default `Metadata`. */
  includeObject?: IncludeObjectPolicy;
  /** The list's (or object's) resourceVersion, copied to the table metadata. */
  resourceVersion?: string;
  /** The list's continue token, copied to the table metadata. */
  continue?: string;
  /** `TableOptions.noHeaders`: leave `columnDefinitions` empty. */
  noHeaders?: boolean;
}

/** The cells (and conditions) a printer produces for one object. */
export interface PrintedRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
}

/**
 * Server-side printing for one resource: its columns and a pure function from
 * an object (plain JSON as stored) to the row's cells. The server always
 * prints the wide columns; kubectl hides priority-1 columns unless `-o wide`.
 */
export interface ResourcePrinter {
  readonly columns: readonly TableColumnDefinition[];
  print(obj: Record<string, unknown>, now: number): PrintedRow;
}

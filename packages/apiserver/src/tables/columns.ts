/**
 * Column definitions and cells shared by several printers.
 */
import { objects, str } from './json-fields.js';
import type { TableColumnDefinition } from './types.js';

export const NAME_DESCRIPTION = 'Name of the object, unique among objects of its kind in its namespace (or in the cluster for cluster-scoped kinds).';
export const AGE_DESCRIPTION = 'Time elapsed since the object was created (metadata.creationTimestamp).';

/** A column definition; `format` and `priority` default to "" and 0. */
export function column(name: string, type: string, description: string, extra: { format?: string; priority?: number } = {}): TableColumnDefinition {
  return { name, type, format: extra.format ?? '', description, priority: extra.priority ?? 0 };
}

export const nameColumn = (): TableColumnDefinition => column('Name', 'string', NAME_DESCRIPTION, { format: 'name' });
export const ageColumn = (): TableColumnDefinition => column('Age', 'string', AGE_DESCRIPTION);
export const containersColumn = (): TableColumnDefinition => column('Containers', 'string', 'Names of each container in the template.', { priority: 1 });
export const imagesColumn = (): TableColumnDefinition => column('Images', 'string', 'Images referenced by each container in the template.', { priority: 1 });

/** The comma-joined names and images of a list of containers. */
export function containerCells(containers: unknown): { names: string; images: string } {
  const list = objects(containers);
  return {
    names: list.map((container) => str(container['name'])).join(','),
    images: list.map((container) => str(container['image'])).join(','),
  };
}

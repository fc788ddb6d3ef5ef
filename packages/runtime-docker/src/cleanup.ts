/**
 * Removes every Docker container carrying a label, running or not, with its
 * anonymous volumes. For test teardown and `mk8s down`; containers without
 * the label are never touched.
 */
import type Dockerode from 'dockerode';
import { isNotFound, isConflict } from './docker-errors.js';
import { LABEL_TYPE, TYPE_SANDBOX } from './labels.js';

/**
 * @param label `key=value` or a bare `key` (any value), as Docker's label
 *   filter takes it; several labels must all match.
 * @returns the ids of the removed containers.
 */
export async function cleanupByLabel(docker: Dockerode, label: string | string[]): Promise<string[]> {
  const labels = (Array.isArray(label) ? label : [label]).filter((l) => l.length > 0);
  if (labels.length === 0) throw new Error('cleanupByLabel needs a label');
  const found = await docker.listContainers({ all: true, filters: { label: labels } });
  // Sandboxes last: app containers share their namespaces.
  found.sort((a, b) => Number(a.Labels?.[LABEL_TYPE] === TYPE_SANDBOX) - Number(b.Labels?.[LABEL_TYPE] === TYPE_SANDBOX));
  const removed: string[] = [];
  for (const c of found) {
    try {
      await docker.getContainer(c.Id).remove({ force: true, v: true });
      removed.push(c.Id);
    } catch (err) {
      // Already gone, or removal already in progress elsewhere.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
  return removed;
}

/**
 * Docker label keys this runtime writes, and their encoding.
 *
 * Every fact needed to answer a CRI call is kept in labels on the Docker
 * containers themselves, so a fresh runtime object (or a restarted process)
 * finds everything again from Docker alone. The pod keys are Kubernetes' own,
 * so `docker ps --filter label=io.kubernetes.pod.name=web` works for users.
 */
import type { Labels } from '@mk8s/cri';

export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';

/** `podsandbox` or `container`; its presence marks a Docker container as ours. */
export const LABEL_TYPE = 'io.mk8s.type';
export const LABEL_SANDBOX_ID = 'io.mk8s.sandbox-id';
export const LABEL_ATTEMPT = 'io.mk8s.attempt';
/** Creation time in ns (decimal string): finer than Docker's list output (seconds). */
export const LABEL_CREATED_AT = 'io.mk8s.created-at';
/** CRI labels and annotations as JSON, so they never clash with Docker label keys. */
export const LABEL_CRI_LABELS = 'io.mk8s.cri-labels';
export const LABEL_CRI_ANNOTATIONS = 'io.mk8s.cri-annotations';
/** Sandbox: PodSandboxConfig.log_directory. Container: absolute log file path. */
export const LABEL_LOG_DIRECTORY = 'io.mk8s.log-directory';
export const LABEL_LOG_PATH = 'io.mk8s.log-path';
/** Container: the image as the caller named it (ContainerStatus.image echoes it). */
export const LABEL_IMAGE = 'io.mk8s.image';
export const LABEL_RUNTIME_HANDLER = 'io.mk8s.runtime-handler';

export const TYPE_SANDBOX = 'podsandbox';
export const TYPE_CONTAINER = 'container';
export type ObjectType = typeof TYPE_SANDBOX | typeof TYPE_CONTAINER;

/** Encodes a string map for a label value; empty maps are stored as `{}`. */
export function encodeMap(map: Labels | undefined | null): string {
  return JSON.stringify(map ?? {});
}

/** Decodes a map stored by encodeMap; anything malformed reads as empty. */
export function decodeMap(value: string | undefined): Labels {
  if (!value) return {};
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const out: Labels = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    return out;
  } catch {
    return {};
  }
}

/** CRI label selectors are equality-only and ANDed (MatchLabels). */
export function matchesSelector(labels: Labels, selector: Labels | undefined | null): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** `k=v` strings for Docker's `label` list filter (ANDed by Docker). */
export function labelFilters(labels: Labels): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

export function parseAttempt(value: string | undefined): number {
  const n = Number(value ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

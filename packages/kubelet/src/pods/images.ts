import { errorMessage, type Container } from '@mk8s/api';
import type { CriRuntime, PodSandboxConfig } from '@mk8s/cri';

/** An image is not usable for a container; `reason` is its waiting reason (ErrImageNeverPull, ErrImagePull, ImagePullBackOff). */
export class ImageError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    /** When a retry makes sense (a pull backoff ending); undefined: on the next sync. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}

/** Kubernetes' default: Always for `:latest` or untagged images, IfNotPresent otherwise. */
export function pullPolicyOf(c: Container): string {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const image = c.image ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  const tag = image.slice(image.lastIndexOf('/') + 1).split(':')[1];
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** What ensureImage needs to remember pull failures between syncs. */
export interface PullBackoff {
  /** ms still to wait before pulling `key` again (0: pull now). */
  remaining(key: string): number;
  failed(key: string): number;
  succeeded(key: string): void;
}

/**
 * Makes a container's image present per its imagePullPolicy (Kubernetes'
 * imageManager.EnsureImageExists). Throws ImageError with the waiting reason
 * the container should show; otherwise resolves with the image ref.
 */
export async function ensureImage(
  runtime: CriRuntime,
  c: Container,
  backoffKey: string,
  backoff: PullBackoff,
  sandboxConfig?: PodSandboxConfig,
): Promise<string> {
  const image = c.image ?? '';
  const policy = pullPolicyOf(c);
  const present = (await runtime.imageStatus({ image: { image } })).image;
  if (policy === 'Never') {
    if (present) return present.id;
    throw new ImageError('ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
  }
  if (policy === 'IfNotPresent' && present) return present.id;
  const wait = backoff.remaining(backoffKey);
  if (wait > 0) throw new ImageError('ImagePullBackOff', `Back-off pulling image "${image}"`, wait);
  try {
    const res = await runtime.pullImage({ image: { image }, sandboxConfig });
    backoff.succeeded(backoffKey);
    return res.imageRef;
  } catch (err) {
    const delay = backoff.failed(backoffKey);
    throw new ImageError('ErrImagePull', `failed to pull image "${image}": ${errorMessage(err)}`, delay);
  }
}

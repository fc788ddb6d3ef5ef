import { createHash } from 'node:crypto';
import type { Image } from '@mk8s/cri';

/**
 * Image references as Docker reads them: no tag means `:latest`, and Docker
 * Hub's `docker.io/library/` prefix is implied, so `busybox`,
 * `busybox:latest` and `docker.io/library/busybox:latest` are one image.
 */
export function normalizeImageRef(ref: string): string {
  let r = ref.trim();
  if (r.startsWith('docker.io/library/')) r = r.slice('docker.io/library/'.length);
  else if (r.startsWith('docker.io/')) r = r.slice('docker.io/'.length);
  const lastSlash = r.lastIndexOf('/');
  const hasTag = r.includes('@') || r.slice(lastSlash + 1).includes(':');
  return hasTag ? r : `${r}:latest`;
}

/** The in-memory image list of one fake node. */
export class ImageStore {
  private readonly byRef = new Map<string, Image>();

  constructor(refs: Iterable<string> = []) {
    for (const ref of refs) this.add(ref);
  }

  /** Makes `ref` present (idempotent) and returns it. */
  add(ref: string, size = 2_000_000): Image {
    const tag = normalizeImageRef(ref);
    const existing = this.byRef.get(tag);
    if (existing) return existing;
    const image: Image = {
      id: `sha256:${createHash('sha256').update(tag).digest('hex')}`,
      repoTags: [tag],
      repoDigests: [],
      size,
      spec: { image: tag },
    };
    this.byRef.set(tag, image);
    return image;
  }

  /** Finds an image by reference or by id. */
  get(refOrId: string): Image | undefined {
    if (refOrId.startsWith('sha256:')) {
      for (const image of this.byRef.values()) if (image.id === refOrId) return image;
      return undefined;
    }
    return this.byRef.get(normalizeImageRef(refOrId));
  }

  remove(refOrId: string): void {
    const image = this.get(refOrId);
    if (image) for (const tag of image.repoTags) this.byRef.delete(tag);
  }

  list(): Image[] {
    return [...this.byRef.values()];
  }
}

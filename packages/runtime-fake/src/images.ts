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

/** An image's user as CRI reports it: a numeric uid, else a name. */
function imageUser(user: string): Pick<Image, 'uid' | 'username'> {
  const who = user.split(':')[0] ?? '';
  return /^\d+$/.test(who) ? { uid: { value: Number(who) }, username: '' } : { uid: null, username: who };
}

/** The in-memory image list of one fake node. */
export class ImageStore {
  private readonly byRef = new Map<string, Image>();

  constructor(refs: Iterable<string> = []) {
    for (const ref of refs) this.add(ref);
  }

  /**
   * Makes `ref` present (idempotent) and returns it. `user` is the image's
   * configured user as Docker writes it ('1000', '1000:1000', 'app'); absent
   * or '' means root. ImageStatus reports it as uid or username.
   */
  add(ref: string, size = 2_000_000, user?: string): Image {
    const tag = normalizeImageRef(ref);
    const existing = this.byRef.get(tag);
    if (existing) {
      if (user !== undefined) Object.assign(existing, imageUser(user));
      return existing;
    }
    const image: Image = {
      id: `sha256:${createHash('sha256').update(tag).digest('hex')}`,
      repoTags: [tag],
      repoDigests: [],
      size,
      spec: { image: tag },
      ...imageUser(user ?? ''),
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

/**
 * The CRI image service over Docker's local image store.
 *
 * No registry is reachable where mk8s runs, so PullImage first looks for the
 * image locally and only then tries `docker pull`, bounded by a short timeout:
 * a missing image fails fast with "image X not present and cannot be pulled"
 * and never hangs the kubelet's pod worker.
 */
import type Dockerode from 'dockerode';
import type { Image, ImageSpec, ListImagesResponse, PullImageResponse } from '@mk8s/cri';
import { InvalidArgumentError, UnknownError } from '@mk8s/cri';
import { errorMessage, isConflict, isNotFound } from './docker-errors.js';
import { imageSpec } from './status-mapping.js';

/** Travels as UNKNOWN over gRPC, as containerd reports pull failures; the kubelet shows ErrImagePull. */
export class ImagePullError extends UnknownError {
  constructor(
    readonly image: string,
    cause: string,
  ) {
    super(`image ${image} not present and cannot be pulled: ${cause}`);
  }
}

function imageName(spec: ImageSpec | null | undefined): string {
  const name = spec?.image ?? '';
  if (!name) throw new InvalidArgumentError('image name is empty');
  return name;
}

function fromInspect(info: Dockerode.ImageInspectInfo): Image {
  const user = info.Config?.User ?? '';
  const [who = ''] = user.split(':');
  const numeric = /^\d+$/.test(who);
  return {
    id: info.Id,
    repoTags: info.RepoTags ?? [],
    repoDigests: info.RepoDigests ?? [],
    size: info.Size,
    uid: numeric ? { value: Number(who) } : null,
    username: numeric ? '' : who,
    spec: imageSpec(info.Id),
    pinned: false,
  };
}

function fromList(info: Dockerode.ImageInfo): Image {
  const tags = (info.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  const digests = (info.RepoDigests ?? []).filter((d) => d !== '<none>@<none>');
  return { id: info.Id, repoTags: tags, repoDigests: digests, size: info.Size, uid: null, username: '', spec: imageSpec(info.Id), pinned: false };
}

/** The local image, or null when absent. */
export async function inspectImage(docker: Dockerode, name: string): Promise<Image | null> {
  try {
    return fromInspect(await docker.getImage(name).inspect());
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

export async function listImages(docker: Dockerode, filter: ImageSpec | null | undefined): Promise<ListImagesResponse> {
  const all = (await docker.listImages()).map(fromList);
  if (!filter?.image) return { images: all };
  const wanted = await inspectImage(docker, filter.image);
  return { images: wanted ? all.filter((i) => i.id === wanted.id) : [] };
}

export async function imageStatus(docker: Dockerode, spec: ImageSpec | null | undefined): Promise<Image | null> {
  return inspectImage(docker, imageName(spec));
}

/** Tries `docker pull`, giving up after timeoutMs. */
async function tryPull(docker: Dockerode, name: string, timeoutMs: number): Promise<void> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const attempt = (async () => {
    const stream = await docker.pull(name, { abortSignal: controller.signal });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }> | undefined) => {
        const failed = output?.find((o) => o.error);
        if (err) reject(err);
        else if (failed?.error) reject(new Error(failed.error));
        else resolve();
      });
    });
  })();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer from the registry within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
    attempt.catch(() => undefined);
  }
}

export async function pullImage(docker: Dockerode, spec: ImageSpec | null | undefined, timeoutMs: number): Promise<PullImageResponse> {
  const name = imageName(spec);
  const local = await inspectImage(docker, name);
  if (local) return { imageRef: local.id };
  try {
    await tryPull(docker, name, timeoutMs);
  } catch (err) {
    throw new ImagePullError(name, errorMessage(err));
  }
  const pulled = await inspectImage(docker, name);
  if (!pulled) throw new ImagePullError(name, 'the pull finished but the image is still absent');
  return { imageRef: pulled.id };
}

/** Idempotent: an absent image is not an error. An image in use by a container is. */
export async function removeImage(docker: Dockerode, spec: ImageSpec | null | undefined): Promise<void> {
  const name = imageName(spec);
  try {
    await docker.getImage(name).remove();
  } catch (err) {
    if (isNotFound(err)) return;
    if (isConflict(err)) throw new Error(`image ${name} cannot be removed: ${errorMessage(err)}`);
    throw err;
  }
}

/**
 * @mk8s/runtime-containerd: containerd as a second, real CRI runtime. A
 * private instance per node (own root, state, socket and CNI bridge), fed
 * with images from the local Docker engine, and swept clean afterwards.
 * Verified with Debian 12's containerd 1.6 (installed with docker.io) and
 * Debian's containernetworking-plugins (/usr/lib/cni).
 *
 * @example
 * ```ts
 * import { importImages, writeContainerdFiles } from '@mk8s/runtime-containerd';
 * const { config, socket } = await writeContainerdFiles({ dir: '/tmp/ctrd', subnet: '10.89.1.0/24', bridge: 'mk8s-ctrd1' });
 * // spawn `containerd --config <config>`, wait for `socket`, then:
 * await importImages(socket, ['mk8s/pause:latest', 'busybox:latest']);
 * // the kubelet's --runtime-endpoint is unix://<socket>
 * ```
 */
export {
  CONTAINERD_K8S_NAMESPACE,
  checkCniPlugins,
  cniConflist,
  containerdConfigToml,
  containerdInstalled,
  writeContainerdFiles,
  type ContainerdFiles,
  type ContainerdLayout,
} from './config.js';
export { importImages } from './images.js';
export { networkNamespaces, releaseContainerdDir, sweepContainerd } from './cleanup.js';
export { containerdAnswers } from './probe.js';

/**
 * @mk8s/runtime-fake: an in-memory CRI runtime for unit tests and hollow
 * nodes (docs/runtime.md, runtime-fake). `FakeRuntime` implements `CriRuntime`
 * from @mk8s/cri; serve it with `serveCri` to test over gRPC.
 */
export { FakeRuntime, type FakeRuntimeOptions } from './fake-runtime.js';
export type { ContainerBehavior, ContainerMatch, ExecMatch, ExecResult } from './behavior.js';
export { realTimer, type Timer, type TimerHandle } from './timer.js';
export { IpPool } from './ip-pool.js';
export { ImageStore, normalizeImageRef } from './images.js';
export { interpret, type InterpretOptions, type Step } from './shell.js';

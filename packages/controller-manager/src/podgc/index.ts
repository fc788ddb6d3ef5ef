export { PodGCController, type PodGCControllerOptions } from './pod-gc-controller.js';

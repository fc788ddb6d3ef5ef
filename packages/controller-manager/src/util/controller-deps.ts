import type { Clientset, Clock, ControllerLogger, ControllerOptions, EventRecorder, SharedInformerFactory } from '@mk8s/client';

/**
 * What every controller is built from; `ControllerManager` hands the same
 * client and informer factory to all of them. A controller registers its
 * informers and handlers on `factory` in its constructor; the caller starts
 * the factory once every controller has registered.
 */
export interface ControllerDeps {
  client: Clientset;
  factory: SharedInformerFactory;
  clock?: Clock;
  log?: ControllerLogger;
  /** Default: Events through the API as `<name>-controller`; controllers that record none ignore it. */
  recorder?: EventRecorder;
  metrics?: ControllerOptions['metrics'];
}

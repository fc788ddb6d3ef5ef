/**
 * The runtime's CRI event stream (GetContainerEvents) as PLEG triggers, so a
 * container that dies is noticed at once rather than at the next relist
 * (Kubernetes' evented PLEG). The relist stays the source of truth: after
 * every (re)subscription one synthetic event asks for a relist, to cover what
 * happened while unsubscribed. A failed stream is retried `retryMs` later
 * until `signal` aborts; a runtime without events (UNIMPLEMENTED) ends the
 * stream for good, leaving PLEG to its periodic relists.
 */
import type { CriRuntime } from '@mk8s/cri';
import { UnimplementedError } from '@mk8s/cri';
import type { Logger } from '@mk8s/client';
import type { ExternalRuntimeEvent } from './pleg.js';
import { errorMessage } from '@mk8s/api';

export interface CriContainerEventsOptions {
  retryMs?: number;
  log?: Logger;
}

export async function* criContainerEvents(
  runtime: Pick<CriRuntime, 'getContainerEvents'>,
  signal: AbortSignal,
  opts: CriContainerEventsOptions = {},
): AsyncGenerator<ExternalRuntimeEvent> {
  const subscribe = runtime.getContainerEvents?.bind(runtime);
  if (!subscribe) return;
  const retryMs = opts.retryMs ?? 1_000;
  while (!signal.aborted) {
    try {
      const stream = subscribe({}, signal);
      yield {};
      for await (const ev of stream) {
        const podUid = ev.podSandboxStatus?.metadata?.uid;
        yield podUid ? { podUid } : {};
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof UnimplementedError) {
        opts.log?.info({}, 'the runtime has no container event stream; relisting only');
        return;
      }
      opts.log?.warn({ error: errorMessage(err) }, 'runtime event stream failed; resubscribing');
    }
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, retryMs);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
  }
}

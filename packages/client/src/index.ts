/**
 * @mk8s/client: how components talk to the API server (client-go's role):
 * typed REST client, informers, workqueue, controller runner, leader election.
 */
export * from './types.js';
export { FakeClock, realClock, type Clock, type TimerHandle } from './clock.js';
export * from './errors.js';

/**
 * The kubelet executable. Until issue 6 builds it, it says so and exits
 * non-zero, so scripts and users never mistake it for a running component.
 */
console.error('kubelet: not implemented yet (tracked by issue 6)');
process.exitCode = 2;

/**
 * The kube-scheduler executable. Until issue 7 builds it, it says so and exits
 * non-zero, so scripts and users never mistake it for a running component.
 */
console.error('kube-scheduler: not implemented yet (tracked by issue 7)');
process.exitCode = 2;

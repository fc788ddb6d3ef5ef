/**
 * The kube-proxy executable. Until issue 9 builds it, it says so and exits
 * non-zero, so scripts and users never mistake it for a running component.
 */
console.error('kube-proxy: not implemented yet (tracked by issue 9)');
process.exitCode = 2;

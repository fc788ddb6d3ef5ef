/**
 * The kube-apiserver executable. Until issue 3 builds it, it says so and exits
 * non-zero, so scripts and users never mistake it for a running component.
 */
console.error('kube-apiserver: not implemented yet (tracked by issue 3)');
process.exitCode = 2;

/**
 * The kube-controller-manager executable. Until issue 8 builds it, it says so and exits
 * non-zero, so scripts and users never mistake it for a running component.
 */
console.error('kube-controller-manager: not implemented yet (tracked by issue 8)');
process.exitCode = 2;

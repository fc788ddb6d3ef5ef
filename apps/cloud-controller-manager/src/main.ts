/**
 * The cloud-controller-manager executable. Until issue 12 builds it, it says so and exits
 * non-zero, so scripts and users never mistake it for a running component.
 */
console.error('cloud-controller-manager: not implemented yet (tracked by issue 12)');
process.exitCode = 2;

/**
 * @mk8s/kube-proxy: Turns Services and Endpoints into forwarding (iptables or userspace proxier).
 *
 * This package is an empty room of the house drawn in ARCHITECTURE.md; the
 * issue that builds it fills in its public API here.
 */
export {};

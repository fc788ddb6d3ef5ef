/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition. Storing one is all this
 * definition does; serving what it defines is the CRD controller's job
 * (../custom/crd-controller.ts), which also owns the status and the
 * cleanup finalizer added here on create.
 */
import { validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate, type CustomResourceDefinition } from '@mk8s/api';
import type { Obj } from '../../registry/strategy.js';
import { CRD_CLEANUP_FINALIZER } from '../custom/crd-controller.js';
import { builtinType, defineResource } from '../definition.js';

function addCleanupFinalizer(obj: Obj): void {
  const meta = (obj['metadata'] ?? {}) as Obj;
  const finalizers = (meta['finalizers'] as string[] | undefined) ?? [];
  if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) meta['finalizers'] = [...finalizers, CRD_CLEANUP_FINALIZER];
}

export const customResourceDefinitions = defineResource<CustomResourceDefinition>({
  type: builtinType('apiextensions.k8s.io', 'v1', 'customresourcedefinitions'),
  strategy: { statusSubresource: true, tracksGeneration: true, prepareForCreate: addCleanupFinalizer },
  // Kubernetes' CRD defaults: conversion None, singular the lower-case kind, listKind `<Kind>List`.
  defaults(crd) {
    const spec = crd.spec as CustomResourceDefinition['spec'] | undefined;
    if (!spec) return;
    spec.conversion ??= { strategy: 'None' };
    const names = spec.names as CustomResourceDefinition['spec']['names'] | undefined;
    if (names?.kind) {
      names.singular ??= names.kind.toLowerCase();
      names.listKind ??= `${names.kind}List`;
    }
  },
  validation: {
    create: (crd) => validateCustomResourceDefinition(crd),
    update: (crd, old) => validateCustomResourceDefinitionUpdate(crd, old),
  },
});

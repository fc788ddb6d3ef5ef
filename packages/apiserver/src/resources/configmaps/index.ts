/** v1 ConfigMap. */
import { validateConfigMap, validateConfigMapUpdate, type ConfigMap } from '@mk8s/api';
import { builtinType, defineResource } from '../definition.js';
import { configMapPrinter } from './printer.js';

export const configMaps = defineResource<ConfigMap>({
  type: builtinType('', 'v1', 'configmaps'),
  validation: {
    create: (cm, { namespaced }) => validateConfigMap(cm, namespaced),
    update: (cm, old) => validateConfigMapUpdate(cm, old),
  },
  printer: configMapPrinter,
});

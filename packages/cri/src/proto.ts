import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';

/**
 * proto/api.proto sits beside src/ and dist/, so the same relative URL finds
 * it from the TypeScript sources (tests) and from the compiled output.
 */
export const CRI_PROTO_PATH = fileURLToPath(new URL('../proto/api.proto', import.meta.url));

/** The decoding contract types.ts describes: camelCase fields, int64 as numbers, enums as names, defaults filled. */
export const CRI_PROTO_LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface CriServices {
  definition: PackageDefinition;
  RuntimeService: ServiceClientConstructor;
  ImageService: ServiceClientConstructor;
}

let loaded: CriServices | undefined;

/** Parses the proto once per process (tens of ms) and hands out the service constructors. */
export function loadCriServices(): CriServices {
  if (loaded) return loaded;
  const definition = loadSync(CRI_PROTO_PATH, CRI_PROTO_LOADER_OPTIONS);
  const root = loadPackageDefinition(definition);
  const v1 = (root['runtime'] as Record<string, unknown> | undefined)?.['v1'] as Record<string, unknown> | undefined;
  const RuntimeService = v1?.['RuntimeService'];
  const ImageService = v1?.['ImageService'];
  if (typeof RuntimeService !== 'function' || typeof ImageService !== 'function') {
    throw new Error(`${CRI_PROTO_PATH} does not define runtime.v1.RuntimeService and runtime.v1.ImageService`);
  }
  loaded = {
    definition,
    RuntimeService: RuntimeService as ServiceClientConstructor,
    ImageService: ImageService as ServiceClientConstructor,
  };
  return loaded;
}

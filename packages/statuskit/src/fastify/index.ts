export { acceptable } from './accept.js';
export type { Contract } from './contract.js';
export { type Job, type JobHandle, type JobStatus, type JobStore, MemoryJobStore } from './jobs.js';
export {
  type DocumentedError,
  type OpenApiBase,
  type OpenApiSecurityScheme,
  type SwaggerContractOptions,
  type SwaggerRegistration,
  swaggerOptions,
} from './openapi.js';
export type { AuthOptions, OverloadOptions, StatuskitOptions } from './options.js';
export { statuskit, statuskit as default } from './plugin.js';
export { serverOptions } from './server-options.js';

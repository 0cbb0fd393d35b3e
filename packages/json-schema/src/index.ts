export { PayloadSchemas } from './payload-schemas.js';
export type { SchemaViolation } from './payload-schemas.js';

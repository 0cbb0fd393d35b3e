export { PayloadSchemas } from './payload-schemas.js';
export type { SchemaProblem, SchemaViolation } from './payload-schemas.js';
export { linearRegExp, MAX_PATTERN_LENGTH, MAX_PATTERN_PROGRAM, UnsupportedPatternError } from './linear-regexp.js';
export type { LinearRegExpEngine } from './linear-regexp.js';

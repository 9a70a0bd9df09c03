/** tsanalytics' logic: rules (parsing, validation), geometry and the rule engine. */
export * from './engine.js';
export * from './geometry.js';
export * from './rules.js';

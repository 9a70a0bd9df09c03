/** What eval/analytics/run.mjs imports (bundled on the fly). */
export { compare, countRows, countsFromJsonl, EVAL_RULES, NAIVE_PARAMS, oracleIdentities, smoothTrajectories } from './evaluate.js';
export { ANALYTICS_DEFAULTS } from '../../elements/analytics/engine.js';
export { parseMot } from '../mot/metrics.js';
export { runOffline, runOfflineSequence } from '../mot/run-offline.js';
export { frameSize } from '../mot/pipeline.js';

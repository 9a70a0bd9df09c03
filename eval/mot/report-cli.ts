/** CLI: `npx vite-node eval/mot/report-cli.ts` (env MOT15_DIR, default /work/shared/mot/MOT15). */
import { report } from './report.js';

console.log(report(process.env.MOT15_DIR ?? '/work/shared/mot/MOT15'));

/** Types of run.mjs, for the TypeScript tests. */
export const summary: string;
export function pipelineServers(words: string[]): { host: string; port: number }[];
export function tsexportLocations(words: string[]): string[];
export function main(argv: string[]): Promise<number>;

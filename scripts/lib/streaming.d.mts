/** Types of streaming.mjs, for the TypeScript tests. */
import type { ChildProcess } from 'node:child_process';

export const ROOT: string;
export const NGINX: string;
export const NGINX_RTMP_MODULE: string;
export function freePort(): Promise<number>;
export function waitForPort(port: number, timeoutMs?: number): Promise<void>;
export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}
export function startNginxRtmp(options?: { port?: number }): Promise<Server & { port: number; log(): string }>;
export function startRtspServer(
  args: string[],
  options?: { env?: NodeJS.ProcessEnv; onOutput?: (text: string) => void; command?: string[] },
): Promise<Server & { output(): string }>;
export function startCamera(options?: { port?: number; start?: number; stamp?: boolean; video?: string; env?: NodeJS.ProcessEnv }): Promise<Server & { output(): string }>;

/**
 * An element's hook module, which can change while the pipeline runs: when `module-reload` is on, the
 * module file and the local files it imports are watched; a change is compiled in the background and,
 * when the new version compiles and its setup(ctx) succeeds (with the same ctx, so ctx.state — counters,
 * per-track memory — survives), it replaces the old one before the next frame starts. Setting `module`
 * while playing does the same with another file. A version that fails leaves the old one running and
 * posts a warning naming file:line:col.
 *
 * The element's code holds `hooks` (one object whose functions are swapped in place) and calls
 * frameBoundary() at the start of each frame.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { ElementEnv } from './element.js';
import { HookRunner, SKIP } from './element.js';
import { TsvisionError } from './errors.js';
import { loadHookModule, validateHooks, type LoadedModule } from './hook-loader.js';

type Setup<C> = ((ctx: C) => unknown) | undefined;

/** How long file events settle before a reload (editors write a file in several steps). */
const SETTLE_MS = 100;

export class HookModule<H extends object, C> {
  /** The current hooks: the same object throughout, its functions replaced on reload. */
  readonly hooks: H;
  readonly runner: HookRunner;
  private loaded: LoadedModule | null;
  private ctx: C | null = null;
  private pending: LoadedModule | null = null;
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    loaded: LoadedModule | null,
    private readonly allowed: readonly string[],
    private readonly env: ElementEnv,
    private readonly watchFiles: boolean,
    policy: 'fail' | 'skip',
  ) {
    this.loaded = loaded;
    this.hooks = { ...(loaded?.exports ?? {}) } as H;
    this.runner = new HookRunner(env, loaded?.path ?? '', policy);
  }

  /** Loads the element's `module` (if any). */
  static async load<H extends object, C>(
    config: { module: string | null; hookErrors: 'fail' | 'skip'; moduleReload?: boolean },
    allowed: readonly string[],
    env: ElementEnv,
  ): Promise<HookModule<H, C>> {
    const loaded = config.module ? await loadHookModule(config.module) : null;
    if (loaded) validateHooks(loaded, allowed);
    return new HookModule<H, C>(loaded, allowed, env, config.moduleReload === true, config.hookErrors);
  }

  get path(): string {
    return this.loaded?.path ?? '';
  }

  /** Runs setup(ctx) of the module loaded at start (a failure stops the element) and starts watching. */
  async setup(ctx: C): Promise<void> {
    this.ctx = ctx;
    const setup = (this.hooks as { setup?: Setup<C> }).setup;
    if (setup) {
      const r = await this.runner.run('setup', () => setup.call(this.hooks, ctx));
      if (r === SKIP) throw new TsvisionError('HOOK', `${this.env.elementName}: setup() failed`);
    }
    if (this.watchFiles && this.loaded) this.watch(this.loaded);
  }

  /** Swaps in a version that is ready (call when a frame starts, before its first hook). */
  frameBoundary(): void {
    const next = this.pending;
    if (!next) return;
    this.pending = null;
    for (const key of Object.keys(this.hooks)) delete (this.hooks as Record<string, unknown>)[key];
    Object.assign(this.hooks, next.exports);
    this.loaded = next;
    this.runner.modulePath = next.path;
    if (this.watchFiles) this.watch(next);
    this.env.postMessage('tsvision-hook-reloaded', { module: next.path, version: next.version });
    this.env.log('info', `${this.env.elementName}: hook module ${next.path} reloaded (version ${next.version.slice(0, 12)})`);
  }

  /** Loads `module` (the property changed while playing); resolves when it is ready for the next frame. */
  setModule(module: string): Promise<void> {
    return this.reload(path.resolve(module), true);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  private watch(mod: LoadedModule): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    // Directories, not files: editors save by writing a new file and renaming it over the old one.
    const byDir = new Map<string, Set<string>>();
    for (const file of mod.inputs) {
      const dir = path.dirname(file);
      if (!byDir.has(dir)) byDir.set(dir, new Set());
      byDir.get(dir)!.add(path.basename(file));
    }
    for (const [dir, names] of byDir) {
      try {
        const w = watch(dir, { persistent: false }, (_event, name) => {
          if (name && names.has(String(name))) this.schedule();
        });
        w.on('error', () => w.close());
        this.watchers.push(w);
      } catch (err) {
        this.env.log('warning', `${this.env.elementName}: cannot watch ${dir} for module-reload: ${(err as Error).message}`);
      }
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.reload(this.path, false);
    }, SETTLE_MS);
  }

  /** One reload at a time; `explicit`: asked for (module property), so it also reloads an unchanged version. */
  private reload(file: string, explicit: boolean): Promise<void> {
    this.reloading = this.reloading.then(() => this.tryReload(file, explicit));
    return this.reloading;
  }

  private async tryReload(file: string, explicit: boolean): Promise<void> {
    if (this.closed || !this.ctx) return;
    let next: LoadedModule;
    try {
      next = await loadHookModule(file);
      validateHooks(next, this.allowed);
    } catch (err) {
      this.rejected(file, err);
      return;
    }
    const current = this.pending ?? this.loaded;
    if (!explicit && current && next.version === current.version && next.path === current.path) return;
    const setup = (next.exports as { setup?: Setup<C> }).setup;
    if (setup) {
      // The new version's own runner: a failing setup() must not count as a failure of the running one.
      const runner = new HookRunner(this.env, next.path, 'fail');
      try {
        await runner.run('setup', () => setup.call(next.exports, this.ctx as C));
      } catch (err) {
        this.rejected(file, err);
        return;
      }
    }
    this.pending = next;
  }

  private rejected(file: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.env.log('warning', `${this.env.elementName}: the new version of ${file} was not loaded, the running one goes on: ${message}`);
  }
}

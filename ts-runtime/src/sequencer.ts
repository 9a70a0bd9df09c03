/**
 * Keeps per-frame work in frame order while other work of the same frames overlaps: each frame
 * takes a ticket when it arrives; ticket.run(fn) starts fn only after every earlier ticket has
 * finished (run or released).
 */
export interface Ticket {
  run<T>(fn: () => T | Promise<T>): Promise<T>;
  /** Gives the turn up without running anything (idempotent; run() releases by itself). */
  release(): void;
}

export class Sequencer {
  private tail: Promise<void> = Promise.resolve();

  ticket(): Ticket {
    const previous = this.tail;
    let finish!: () => void;
    let finished = false;
    this.tail = new Promise<void>((resolve) => (finish = resolve));
    const done = () => {
      if (finished) return;
      finished = true;
      // Only after the previous turn: a released ticket must not let later ones overtake earlier ones.
      void previous.then(finish);
    };
    return {
      async run<T>(fn: () => T | Promise<T>): Promise<T> {
        await previous;
        try {
          return await fn();
        } finally {
          done();
        }
      },
      release: done,
    };
  }
}

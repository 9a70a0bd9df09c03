/**
 * Follows a JSON Lines file that another process appends to (tsexport's `location`): every complete line, as
 * text, goes to onLine; a file that shrinks (tsexport truncates it when its pipeline starts again) is read again
 * from its start. Polls (fs.watch misses appends on some file systems): every `intervalMs`.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export function tailLines(file, onLine, { intervalMs = 40, onReset = () => {} } = {}) {
  let offset = 0;
  let partial = '';
  let inode = null;
  const chunk = Buffer.alloc(1 << 16);
  const poll = () => {
    let st;
    try {
      st = statSync(file);
    } catch {
      return; // not there yet: the pipeline creates it when it starts
    }
    if (st.size < offset || (inode !== null && st.ino !== inode)) {
      offset = 0;
      partial = '';
      onReset();
    }
    inode = st.ino;
    if (st.size === offset) return;
    const fd = openSync(file, 'r');
    try {
      for (let n; (n = readSync(fd, chunk, 0, chunk.length, offset)) > 0; ) {
        offset += n;
        const text = partial + chunk.toString('utf8', 0, n);
        const lines = text.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) onLine(line);
      }
    } finally {
      closeSync(fd);
    }
  };
  poll();
  const timer = setInterval(poll, intervalMs);
  return { stop: () => clearInterval(timer), poll };
}

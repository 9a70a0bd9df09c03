/**
 * Follows a JSON Lines file that another process appends to (tsexport's `location`): every complete line, as
 * text, goes to onLine. A file that started again — tsexport truncates it when its pipeline starts — is read again
 * from its start after onReset(): seen as a file shorter than what was read, another file at the path, or a
 * different beginning (a new run that already outgrew the old one between two polls). Polls every `intervalMs`
 * (fs.watch misses appends on some file systems).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const HEAD = 256;

export function tailLines(file, onLine, { intervalMs = 40, onReset = () => {} } = {}) {
  let offset = 0;
  let partial = '';
  let decoder = new StringDecoder('utf8'); // keeps a character split across two reads for the next one
  let inode = null;
  let head = Buffer.alloc(0); // the file's first bytes, as first read
  const chunk = Buffer.alloc(1 << 16);
  const poll = () => {
    let st;
    try {
      st = statSync(file);
    } catch {
      return; // not there yet: the pipeline creates it when it starts
    }
    if (st.size === offset && st.ino === inode) return;
    let fd;
    try {
      fd = openSync(file, 'r');
    } catch {
      return; // removed since: the next poll sees what is there
    }
    try {
      const now = Buffer.alloc(Math.min(HEAD, st.size));
      readSync(fd, now, 0, now.length, 0);
      const common = Math.min(now.length, head.length);
      if (st.size < offset || (inode !== null && st.ino !== inode) || !now.subarray(0, common).equals(head.subarray(0, common))) {
        offset = 0;
        partial = '';
        decoder = new StringDecoder('utf8');
        head = Buffer.alloc(0);
        onReset();
      }
      inode = st.ino;
      if (now.length > head.length) head = now;
      for (let n; (n = readSync(fd, chunk, 0, chunk.length, offset)) > 0; ) {
        offset += n;
        const text = partial + decoder.write(chunk.subarray(0, n));
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

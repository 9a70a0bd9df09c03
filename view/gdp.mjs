/**
 * A reader of the GStreamer Data Protocol (GDP 1.0), what `gdppay` writes: each buffer, caps and event as a
 * 62-byte header (big-endian: payload type at 4, payload length at 6, the buffer's pts at 10 and duration at 18,
 * GST_CLOCK_TIME_NONE = all ones) followed by its payload. The live view reads `jpegenc ! gdppay ! tcpserversink`
 * with it: each JPEG comes with the pts the frame had in the pipeline, which is the `pts` tsexport wrote.
 */
export const GDP_HEADER_LENGTH = 62;
export const GDP_BUFFER = 1;
export const GDP_CAPS = 2;
const NONE = 0xffffffffffffffffn;

/**
 * Feeds chunks of a GDP stream with push(chunk); calls onPacket({ type, pts, duration, payload }) for every
 * complete packet (pts and duration in ns as Numbers, null when none). Throws on a header that is not GDP 1.0
 * (a stream that is not gdppay's: the caller closes it).
 */
export class GdpReader {
  constructor(onPacket) {
    this.onPacket = onPacket;
    this.pending = [];
    this.pendingBytes = 0;
  }

  push(chunk) {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (this.pendingBytes < GDP_HEADER_LENGTH) return;
      const head = this.peek(GDP_HEADER_LENGTH);
      if (head[0] !== 1 || head[1] !== 0) throw new Error(`not a GDP 1.0 stream (header starts ${head.subarray(0, 4).toString('hex')}): send it through gdppay`);
      const length = head.readUInt32BE(6);
      if (this.pendingBytes < GDP_HEADER_LENGTH + length) return;
      const packet = this.take(GDP_HEADER_LENGTH + length);
      const time = (offset) => {
        const v = packet.readBigUInt64BE(offset);
        return v === NONE ? null : Number(v);
      };
      this.onPacket({ type: packet.readUInt16BE(4), pts: time(10), duration: time(18), payload: packet.subarray(GDP_HEADER_LENGTH) });
    }
  }

  peek(n) {
    if (this.pending[0].length < n) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0].subarray(0, n);
  }

  take(n) {
    const all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    this.pending = all.length > n ? [all.subarray(n)] : [];
    this.pendingBytes = all.length - n;
    return all.subarray(0, n);
  }
}

/** The width and height in a caps payload ("image/jpeg, width=(int)768, height=(int)432, …\0"), or null. */
export function capsSize(payload) {
  const caps = payload.toString('utf8');
  const w = /width=\(int\)(\d+)/.exec(caps);
  const h = /height=\(int\)(\d+)/.exec(caps);
  return w && h ? { width: Number(w[1]), height: Number(h[1]), caps: caps.replace(/\0.*$/s, '') } : null;
}

import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { SEQUENCE_MARKER } from './events.js';
import { nowMs } from './clock.js';

// A lean WebSocket client that only counts: raw TCP, its own frame parser, no JSON parsing. Each event
// frame's sequence number is read after SEQUENCE_MARKER and checked against the next one expected, so
// a run proves that every client got every event once and in order. Speaking Socket.IO is a thin layer
// on top: the engine.io open/connect handshake, answering pings, and "42[...]" event packets.

/** How the target expects to be spoken to, and what tells the client it may start counting. */
export type Dialect = 'relay' | 'ws' | 'socketio';

/** When each event reached its first and its last client, on the shared clock (0: not yet). */
export interface Receipts {
  first: Float64Array;
  last: Float64Array;
}

/** Where and how to connect, and what to record. */
export interface CounterOptions {
  port: number;
  path: string;
  dialect: Dialect;
  /** Per-event first and last receipt times across clients (for latency), indexed by sequence number. */
  receipts?: Receipts;
  /** Do not read after becoming ready (a slow consumer); resume() reads again. */
  paused?: boolean;
  /** Target address (default 127.0.0.1). */
  host?: string;
  /** Source address to connect from: each 127.0.0.x has its own 28,000 ephemeral ports. */
  localAddress?: string;
  /** Remember this client's position (the relay's last event id; Socket.IO's session id and offset) for a reconnect. */
  track?: boolean;
  /** Socket.IO: recover this session (connectionStateRecovery) in the CONNECT packet. */
  recover?: { pid: string; offset: string };
}

const marker = Buffer.from(SEQUENCE_MARKER);
/** Every socket reads into this; a read's leftover partial frame is copied out before the next read. */
const readBuffer = Buffer.allocUnsafe(256 * 1024);
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const idMarker = Buffer.from('"id":"');
const HANDSHAKE_TIMEOUT_MS = 30_000;
const QUOTE = 0x22;

/** One connection's counts: events, sequence errors, close code, first error. */
export class FrameCounter {
  count = 0;
  nextSeq = 0;
  outOfOrder = 0;
  closeCode: number | null = null;
  error: string | null = null;
  ready = false;
  lastReceipt = 0;
  /** With `track`: the relay's id of the last event received (a `?since=` position). */
  lastId: string | null = null;
  /** With `track`: Socket.IO's private session id and the offset of the last event received. */
  session: { pid: string; offset: string } | null = null;
  readonly socket: net.Socket;
  private rest: Buffer | null = null;
  private handshaking = true;
  private fragments: Buffer[] = [];
  private readonly key = randomBytes(16).toString('base64');

  constructor(
    private readonly options: CounterOptions,
    private readonly onReady: (counter: FrameCounter) => void,
    private readonly onEvent: (counter: FrameCounter) => void,
    private readonly onEnd: (counter: FrameCounter) => void,
  ) {
    // `onread` reads into one shared buffer instead of allocating a Buffer and going through the stream
    // machinery per read: with thousands of sockets each receiving small frames, that per-read cost is
    // what would otherwise make the load process, not the target, the bottleneck.
    this.socket = net.connect({
      port: options.port,
      host: options.host ?? '127.0.0.1',
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (bytes: number, buffer: Uint8Array) => {
          this.onData(Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
          return true;
        },
      },
    });
    this.socket.on('connect', () => this.socket.write(this.upgradeRequest()));
    // A handshake the server never answers would hold its slot of the ramp's concurrency forever.
    this.socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => this.fail('no answer to the handshake within 30 s'));
    this.socket.on('error', (error) => this.fail(error.message));
    this.socket.on('close', () => this.onEnd(this));
  }

  /** Starts reading again after `paused`. */
  resume(): void {
    this.socket.resume();
  }

  /** Tears the connection down without a closing handshake (the run is over). */
  destroy(): void {
    this.socket.destroy();
  }

  private upgradeRequest(): string {
    const { port, path } = this.options;
    return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  }

  private fail(message: string): void {
    this.error ??= message;
    this.socket.destroy();
  }

  /** `chunk` may be a view of the shared read buffer: anything kept past this call is copied. */
  private onData(chunk: Buffer): void {
    let buffer = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    if (this.handshaking) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return void (this.rest = Buffer.from(buffer));
      if (!this.acceptHandshake(buffer.toString('latin1', 0, end))) return;
      buffer = buffer.subarray(end + 4);
    }
    const at = nowMs();
    this.lastReceipt = at;
    let offset = 0;
    while (buffer.length - offset >= 2) {
      const second = buffer[offset + 1]!;
      if (second & 0x80) return this.fail('server frame is masked');
      let length = second & 0x7f;
      let header = 2;
      if (length === 126) {
        if (buffer.length - offset < 4) break;
        length = buffer.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (buffer.length - offset < 10) break;
        length = buffer.readUIntBE(offset + 4, 6);
        header = 10;
      }
      if (buffer.length - offset < header + length) break;
      this.onFrame(buffer[offset]!, buffer, offset + header, offset + header + length, at);
      offset += header + length;
    }
    if (offset < buffer.length) this.rest = Buffer.from(buffer.subarray(offset));
  }

  private acceptHandshake(head: string): boolean {
    if (!head.startsWith('HTTP/1.1 101')) {
      this.fail(`upgrade refused: ${head.split('\r\n')[0]}`);
      return false;
    }
    const expected = createHash('sha1')
      .update(this.key + GUID)
      .digest('base64');
    if (!head.toLowerCase().includes(`sec-websocket-accept: ${expected.toLowerCase()}`)) {
      this.fail('bad Sec-WebSocket-Accept');
      return false;
    }
    this.handshaking = false;
    if (this.options.dialect === 'ws') this.becomeReady();
    return true;
  }

  private becomeReady(): void {
    this.ready = true;
    this.socket.setTimeout(0);
    if (this.options.paused) this.socket.pause();
    this.onReady(this);
  }

  private onFrame(first: number, buffer: Buffer, start: number, end: number, at: number): void {
    const opcode = first & 0x0f;
    if (opcode >= 8) return this.onControl(opcode, buffer.subarray(start, end));
    if (!(first & 0x80) || opcode === 0) {
      // Fragmented message: the targets do not fragment, but a correct client must still cope.
      this.fragments.push(Buffer.from(buffer.subarray(start, end)));
      if (!(first & 0x80)) return;
      const whole = Buffer.concat(this.fragments);
      this.fragments = [];
      return this.onMessage(whole, 0, whole.length, at);
    }
    this.onMessage(buffer, start, end, at);
  }

  private onMessage(buffer: Buffer, start: number, end: number, at: number): void {
    const index = buffer.indexOf(marker, start);
    if (index !== -1 && index < end) {
      if (this.options.track) this.remember(buffer, start, end);
      return this.onSequence(readDecimal(buffer, index + marker.length, end), at);
    }
    if (this.options.dialect === 'relay') {
      if (!this.ready && buffer.toString('utf8', start, end).includes('"type":"welcome"')) this.becomeReady();
    } else if (this.options.dialect === 'socketio') {
      this.onEnginePacket(buffer.toString('utf8', start, end));
    }
  }

  /** Keeps the position a reconnect resumes from: the event's id, or Socket.IO's trailing offset argument. */
  private remember(buffer: Buffer, start: number, end: number): void {
    if (this.options.dialect === 'relay') {
      const at = buffer.indexOf(idMarker, start);
      if (at === -1 || at >= end) return;
      const from = at + idMarker.length;
      this.lastId = buffer.toString('latin1', from, buffer.indexOf(QUOTE, from));
    } else if (this.options.dialect === 'socketio' && this.session && buffer[end - 1] === 0x5d && buffer[end - 2] === QUOTE) {
      // 42["event",{…},"<offset>"]: connectionStateRecovery appends the offset as the last argument.
      const open = buffer.lastIndexOf(QUOTE, end - 3);
      if (open > start) this.session.offset = buffer.toString('latin1', open + 1, end - 2);
    }
  }

  private onSequence(seq: number, at: number): void {
    if (seq !== this.nextSeq) this.outOfOrder++;
    this.nextSeq = seq + 1;
    this.count++;
    const receipts = this.options.receipts;
    if (receipts && seq < receipts.last.length) {
      if (receipts.last[seq]! < at) receipts.last[seq] = at;
      if (receipts.first[seq] === 0 || receipts.first[seq]! > at) receipts.first[seq] = at;
    }
    this.onEvent(this);
  }

  private onEnginePacket(packet: string): void {
    if (packet === '2') this.send(1, Buffer.from('3'));
    else if (packet.startsWith('0')) this.send(1, Buffer.from(this.options.recover ? `40${JSON.stringify(this.options.recover)}` : '40'));
    else if (packet.startsWith('40') && !this.ready) {
      if (this.options.track) {
        const pid = (JSON.parse(packet.slice(2) || '{}') as { pid?: string }).pid;
        if (pid) this.session = { pid, offset: this.options.recover?.offset ?? '' };
      }
      this.becomeReady();
    } else if (packet.startsWith('44')) this.fail(`socket.io connect error: ${packet}`);
  }

  private onControl(opcode: number, payload: Buffer): void {
    if (opcode === 9) return this.send(10, payload);
    if (opcode !== 8) return;
    this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    this.send(8, payload.subarray(0, 2));
    this.socket.end();
  }

  /** Sends a short (≤ 125 bytes) frame; client frames must be masked (RFC 6455 §5.3). */
  private send(opcode: number, payload: Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    const mask = randomBytes(4);
    const frame = Buffer.alloc(6 + payload.length);
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | payload.length;
    mask.copy(frame, 2);
    for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i & 3]!;
    this.socket.write(frame);
  }
}

function readDecimal(buffer: Buffer, from: number, end: number): number {
  let value = 0;
  for (let i = from; i < end; i++) {
    const digit = buffer[i]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return value;
}

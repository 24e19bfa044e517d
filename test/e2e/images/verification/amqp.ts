import { connect, type Socket } from "node:net";

// The part of AMQP 0-9-1 a service's Symfony Messenger uses, written out for the check (no client
// library in this repository's dependencies): log in with PLAIN to a vhost, open a channel, find a
// queue (passive declare), publish with publisher confirms, and get a message back.

const FRAME_END = 0xce;
const METHOD = 1;
const HEADER = 2;
const BODY = 3;
const HEARTBEAT = 8;

/** The broker refused something: its reply code (403 access refused, 404 not found, 530 not allowed). */
export class AmqpRefused extends Error {
  constructor(
    readonly code: number,
    text: string,
  ) {
    super(`${code} ${text}`);
  }
}

interface Frame {
  type: number;
  channel: number;
  payload: Buffer;
}

export function shortstr(s: string): Buffer {
  const b = Buffer.from(s, "utf8");
  if (b.length > 255) throw new Error(`AMQP short string longer than 255 bytes: ${s}`);
  return Buffer.concat([Buffer.from([b.length]), b]);
}

export function longstr(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const EMPTY_TABLE = u32(0);

/** A field table of booleans (`t`) and nested tables (`F`). */
export function table(fields: Record<string, boolean | Record<string, boolean>>): Buffer {
  const entries = Object.entries(fields).map(([k, v]) =>
    typeof v === "boolean"
      ? Buffer.concat([shortstr(k), Buffer.from("t"), Buffer.from([v ? 1 : 0])])
      : Buffer.concat([shortstr(k), Buffer.from("F"), table(v)]),
  );
  return longstr(Buffer.concat(entries));
}

/** Asks the broker to say why it refuses a login (connection.close 403) instead of hanging up. */
const CLIENT_PROPERTIES = table({
  capabilities: { authentication_failure_close: true, publisher_confirms: true },
});

export function frame(type: number, channel: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(7);
  head.writeUInt8(type, 0);
  head.writeUInt16BE(channel, 1);
  head.writeUInt32BE(payload.length, 3);
  return Buffer.concat([head, payload, Buffer.from([FRAME_END])]);
}

export function method(classId: number, methodId: number, ...args: Buffer[]): Buffer {
  return Buffer.concat([u16(classId), u16(methodId), ...args]);
}

/** Splits complete frames off the front of `buffer`; returns them and what is left. */
export function parseFrames(buffer: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let offset = 0;
  while (buffer.length - offset >= 8) {
    const size = buffer.readUInt32BE(offset + 3);
    if (buffer.length - offset < size + 8) break;
    if (buffer[offset + 7 + size] !== FRAME_END) throw new Error("AMQP: malformed frame (no frame end)");
    frames.push({
      type: buffer.readUInt8(offset),
      channel: buffer.readUInt16BE(offset + 1),
      payload: buffer.subarray(offset + 7, offset + 7 + size),
    });
    offset += size + 8;
  }
  return { frames, rest: buffer.subarray(offset) };
}

/** Reply code and text of a connection.close or channel.close payload. */
function closeReason(payload: Buffer): AmqpRefused {
  const code = payload.readUInt16BE(4);
  const len = payload.readUInt8(6);
  return new AmqpRefused(code, payload.subarray(7, 7 + len).toString("utf8"));
}

export interface AmqpTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  vhost: string;
  /** Where `host` connects (the Service address, as kube-proxy would route it). */
  address: string;
}

/** The parts of `amqp://user:password@host:port/vhost`. */
export function parseAmqpDsn(dsn: string): Omit<AmqpTarget, "address"> {
  const u = new URL(dsn);
  if (u.protocol !== "amqp:") throw new Error(`not an amqp:// DSN: ${u.protocol}`);
  return {
    host: u.hostname,
    port: Number(u.port || 5672),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    vhost: decodeURIComponent(u.pathname.slice(1)) || "/",
  };
}

export class AmqpConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private frames: Frame[] = [];
  private waiting?: () => void;
  private closed?: Error;
  private nextChannel = 1;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      const { frames, rest } = parseFrames(Buffer.concat([this.buffer, chunk]));
      this.buffer = rest;
      this.frames.push(...frames.filter((f) => f.type !== HEARTBEAT));
      this.waiting?.();
    });
    const end = (e: Error) => {
      this.closed ??= e;
      this.waiting?.();
    };
    socket.on("close", () => end(new Error("AMQP: the broker closed the connection")));
    socket.on("error", end);
  }

  /** Logs in and opens the vhost; rejects with AmqpRefused (or a closed connection) when refused. */
  static async open(t: AmqpTarget, timeoutMs = 10_000): Promise<AmqpConnection> {
    const socket = connect({ host: t.address, port: t.port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`AMQP: no answer within ${timeoutMs} ms`)));
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const c = new AmqpConnection(socket);
    try {
      socket.write(Buffer.from("AMQP\x00\x00\x09\x01", "latin1"));
      await c.expect(0, 10, 10); // connection.start
      const response = Buffer.from(`\0${t.user}\0${t.password}`, "utf8");
      c.send(0, method(10, 11, CLIENT_PROPERTIES, shortstr("PLAIN"), longstr(response), shortstr("en_US")));
      const tune = await c.expect(0, 10, 30);
      c.send(0, method(10, 31, tune.subarray(4, 6), tune.subarray(6, 10), u16(0)));
      c.send(0, method(10, 40, shortstr(t.vhost), shortstr(""), Buffer.from([0])));
      await c.expect(0, 10, 41);
      socket.setTimeout(0);
      return c;
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  private send(channel: number, payload: Buffer, type = METHOD): void {
    this.socket.write(frame(type, channel, payload));
  }

  private async next(channel: number): Promise<Frame> {
    for (;;) {
      const i = this.frames.findIndex((f) => f.channel === channel || f.channel === 0);
      if (i >= 0) {
        const [f] = this.frames.splice(i, 1);
        return f as Frame;
      }
      if (this.closed) throw this.closed;
      await new Promise<void>((r) => {
        this.waiting = r;
      });
    }
  }

  /** The next method on `channel`, which must be `classId.methodId`; a close becomes AmqpRefused. */
  private async expect(channel: number, classId: number, methodId: number): Promise<Buffer> {
    const f = await this.next(channel);
    if (f.type !== METHOD) throw new Error(`AMQP: expected a method frame, got type ${f.type}`);
    const [c, m] = [f.payload.readUInt16BE(0), f.payload.readUInt16BE(2)];
    if (c === 10 && m === 50) {
      this.send(0, method(10, 51));
      this.closed = closeReason(f.payload);
      throw this.closed;
    }
    if (c === 20 && m === 40) {
      this.send(f.channel, method(20, 41));
      throw closeReason(f.payload);
    }
    if (c !== classId || m !== methodId) {
      throw new Error(`AMQP: expected ${classId}.${methodId}, got ${c}.${m}`);
    }
    return f.payload;
  }

  private async channel(): Promise<number> {
    const ch = this.nextChannel++;
    this.send(ch, method(20, 10, shortstr("")));
    await this.expect(ch, 20, 11);
    return ch;
  }

  /** Whether `queue` exists in the vhost (a passive declare; a 404 closes only its channel). */
  async queueExists(queue: string): Promise<boolean> {
    const ch = await this.channel();
    this.send(ch, method(50, 10, u16(0), shortstr(queue), Buffer.from([1]), EMPTY_TABLE));
    try {
      await this.expect(ch, 50, 11);
    } catch (error) {
      if (error instanceof AmqpRefused && error.code === 404) return false;
      throw error;
    }
    this.send(ch, method(20, 40, u16(200), shortstr(""), u16(0), u16(0)));
    await this.expect(ch, 20, 41);
    return true;
  }

  /** Publishes `body` and waits for the broker's confirm. */
  async publish(exchange: string, routingKey: string, body: Buffer): Promise<void> {
    const ch = await this.channel();
    this.send(ch, method(85, 10, Buffer.from([0]))); // confirm.select
    await this.expect(ch, 85, 11);
    this.send(ch, method(60, 40, u16(0), shortstr(exchange), shortstr(routingKey), Buffer.from([0])));
    const size = Buffer.alloc(8);
    size.writeBigUInt64BE(BigInt(body.length));
    this.send(ch, Buffer.concat([u16(60), u16(0), size, u16(0)]), HEADER);
    this.send(ch, body, BODY);
    await this.expect(ch, 60, 80); // basic.ack
  }

  /** One message from `queue` (acknowledged on delivery), or undefined when it is empty. */
  async get(queue: string): Promise<Buffer | undefined> {
    const ch = await this.channel();
    this.send(ch, method(60, 70, u16(0), shortstr(queue), Buffer.from([1])));
    const f = await this.next(ch);
    const [c, m] = [f.payload.readUInt16BE(0), f.payload.readUInt16BE(2)];
    if (c === 60 && m === 72) return undefined; // get-empty
    if (c !== 60 || m !== 71) throw new Error(`AMQP: expected basic.get-ok, got ${c}.${m}`);
    const header = await this.next(ch);
    const size = Number(header.payload.readBigUInt64BE(4));
    const parts: Buffer[] = [];
    let got = 0;
    while (got < size) {
      const b = await this.next(ch);
      parts.push(b.payload);
      got += b.payload.length;
    }
    return Buffer.concat(parts);
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.send(0, method(10, 50, u16(200), shortstr(""), u16(0), u16(0)));
      try {
        await this.expect(0, 10, 51);
      } catch {
        // closing anyway
      }
    }
    this.socket.destroy();
  }
}

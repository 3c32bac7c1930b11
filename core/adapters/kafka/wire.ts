/**
 * Kafka wire primitives: big-endian integers, (compact) strings, arrays, unsigned varints and
 * tagged fields. Only what core/adapters/kafka/protocol.ts needs; no I/O here.
 */

export class Writer {
  private chunks: Buffer[] = [];
  private length = 0;

  private push(b: Buffer): this {
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }

  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.push(b);
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.push(b);
  }

  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.push(b);
  }

  int64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v);
    return this.push(b);
  }

  uvarint(v: number): this {
    const bytes: number[] = [];
    let n = v >>> 0;
    while (n >= 0x80) {
      bytes.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    bytes.push(n);
    return this.push(Buffer.from(bytes));
  }

  /** STRING (int16 length) or NULLABLE_STRING (-1 for null). */
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const b = Buffer.from(v, 'utf8');
    return this.int16(b.length).push(b);
  }

  /** COMPACT_STRING / COMPACT_NULLABLE_STRING (uvarint length + 1; 0 for null). */
  compactString(v: string | null): this {
    if (v === null) return this.uvarint(0);
    const b = Buffer.from(v, 'utf8');
    return this.uvarint(b.length + 1).push(b);
  }

  /** BYTES (int32 length). */
  bytes(v: Buffer): this {
    return this.int32(v.length).push(v);
  }

  /** ARRAY (int32 length) or nullable ARRAY (-1 for null). */
  array<T>(items: readonly T[] | null, write: (w: this, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  /** COMPACT_ARRAY (uvarint length + 1; 0 for null). */
  compactArray<T>(items: readonly T[] | null, write: (w: this, item: T) => void): this {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const item of items) write(this, item);
    return this;
  }

  /** An empty tagged-field section (flexible versions). */
  emptyTags(): this {
    return this.uvarint(0);
  }

  raw(b: Buffer): this {
    return this.push(b);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

export class WireDecodeError extends Error {
  override readonly name = 'WireDecodeError';
}

export class Reader {
  private offset = 0;
  private readonly buf: Buffer;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number): void {
    if (this.offset + n > this.buf.length) {
      throw new WireDecodeError(
        `truncated Kafka response: need ${n} byte(s) at offset ${this.offset}, have ${this.remaining}`,
      );
    }
  }

  int8(): number {
    this.need(1);
    const v = this.buf.readInt8(this.offset);
    this.offset += 1;
    return v;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.uint8();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 28) throw new WireDecodeError('unsigned varint longer than 5 bytes');
    }
  }

  private uint8(): number {
    this.need(1);
    const v = this.buf.readUInt8(this.offset);
    this.offset += 1;
    return v;
  }

  take(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  string(): string {
    const s = this.nullableString();
    if (s === null) throw new WireDecodeError('unexpected null string');
    return s;
  }

  nullableString(): string | null {
    const n = this.int16();
    return n < 0 ? null : this.take(n).toString('utf8');
  }

  compactString(): string {
    const s = this.compactNullableString();
    if (s === null) throw new WireDecodeError('unexpected null compact string');
    return s;
  }

  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.take(n - 1).toString('utf8');
  }

  nullableBytes(): Buffer | null {
    const n = this.int32();
    return n < 0 ? null : this.take(n);
  }

  array<T>(read: (r: Reader) => T): T[] {
    return this.nullableArray(read) ?? [];
  }

  nullableArray<T>(read: (r: Reader) => T): T[] | null {
    const n = this.int32();
    if (n < 0) return null;
    return this.repeat(n, read);
  }

  compactArray<T>(read: (r: Reader) => T): T[] {
    const n = this.uvarint();
    return n === 0 ? [] : this.repeat(n - 1, read);
  }

  private repeat<T>(n: number, read: (r: Reader) => T): T[] {
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(read(this));
    return out;
  }

  /** Reads a tagged-field section; known tags go to `onTag` (which must consume exactly `size` bytes). */
  tags(onTag: (tag: number, r: Reader, size: number) => void = () => {}): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      const field = new Reader(this.take(size));
      onTag(tag, field, size);
    }
  }
}

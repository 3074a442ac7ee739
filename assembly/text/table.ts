// An open-addressing hash table over byte strings that live elsewhere in memory (the preprocessed text or
// a vocabulary's token bytes). Entries keep insertion order, so an entry's index is its first-occurrence
// rank - the tie-break d2l's vocabulary order needs. Single-byte tokens skip hashing through a direct table:
// at char level they are nearly every token.

// @ts-ignore: decorator
@inline function hashBytes(p: usize, len: usize): u32 {
  let h: u32 = 2166136261; // FNV-1a
  for (let i: usize = 0; i < len; i++) h = (h ^ <u32>load<u8>(p + i)) * 16777619;
  return h;
}

// @ts-ignore: decorator
@inline function sameBytes(a: usize, b: usize, len: usize): bool {
  for (let i: usize = 0; i < len; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

const ENTRY: usize = 16; // ptr, len, count, hash (u32 each)

export class TokenTable {
  entries: usize; // ENTRY bytes per entry, insertion order
  size: i32 = 0;
  private capacity: i32;
  private slots: usize; // u32 per slot: entry index + 1, 0 = empty
  private mask: u32;
  private single: usize; // 256 x u32: entry index + 1 of each one-byte token

  constructor(expected: i32) {
    let slots: u32 = 64;
    while (slots < <u32>expected * 2) slots <<= 1;
    this.mask = slots - 1;
    this.slots = heap.alloc(<usize>slots << 2);
    memory.fill(this.slots, 0, <usize>slots << 2);
    this.capacity = 32;
    this.entries = heap.alloc(<usize>this.capacity * ENTRY);
    this.single = heap.alloc(256 << 2);
    memory.fill(this.single, 0, 256 << 2);
  }

  dispose(): void {
    heap.free(this.slots);
    heap.free(this.entries);
    heap.free(this.single);
  }

  ptr(e: i32): usize {
    return <usize>load<u32>(this.entries + <usize>e * ENTRY);
  }

  len(e: i32): usize {
    return <usize>load<u32>(this.entries + <usize>e * ENTRY, 4);
  }

  count(e: i32): i32 {
    return load<i32>(this.entries + <usize>e * ENTRY, 8);
  }

  setCount(e: i32, count: i32): void {
    store<i32>(this.entries + <usize>e * ENTRY, count, 8);
  }

  /** Points entry e at a copy of its bytes elsewhere (same bytes, so the hash stays valid). */
  rebase(e: i32, ptr: usize): void {
    store<u32>(this.entries + <usize>e * ENTRY, <u32>ptr);
  }

  /** Entry index of the bytes at p, or -1. */
  // @ts-ignore: decorator
  @inline find(p: usize, len: usize): i32 {
    if (len == 1) return <i32>load<u32>(this.single + (<usize>load<u8>(p) << 2)) - 1;
    return this.findLong(p, len);
  }

  private findLong(p: usize, len: usize): i32 {
    const h = hashBytes(p, len);
    let s = h & this.mask;
    while (true) {
      const e = <i32>load<u32>(this.slots + (<usize>s << 2)) - 1;
      if (e < 0) return -1;
      const at = this.entries + <usize>e * ENTRY;
      if (load<u32>(at, 12) == h && <usize>load<u32>(at, 4) == len && sameBytes(<usize>load<u32>(at), p, len)) return e;
      s = (s + 1) & this.mask;
    }
    return -1;
  }

  /** Entry index of the bytes at p, adding an entry (count 0) if they are new. */
  // @ts-ignore: decorator
  @inline findOrAdd(p: usize, len: usize): i32 {
    if (len == 1) {
      const e = <i32>load<u32>(this.single + (<usize>load<u8>(p) << 2)) - 1;
      if (e >= 0) return e;
    }
    return this.findOrAddSlow(p, len);
  }

  private findOrAddSlow(p: usize, len: usize): i32 {
    if (len == 1) {
      const e = this.append(p, len, 0);
      store<u32>(this.single + (<usize>load<u8>(p) << 2), <u32>(e + 1));
      return e;
    }
    const h = hashBytes(p, len);
    let s = h & this.mask;
    while (true) {
      const e = <i32>load<u32>(this.slots + (<usize>s << 2)) - 1;
      if (e < 0) break;
      const at = this.entries + <usize>e * ENTRY;
      if (load<u32>(at, 12) == h && <usize>load<u32>(at, 4) == len && sameBytes(<usize>load<u32>(at), p, len)) return e;
      s = (s + 1) & this.mask;
    }
    const e = this.append(p, len, h);
    store<u32>(this.slots + (<usize>s << 2), <u32>(e + 1));
    if (<u32>this.size * 2 > this.mask) this.grow();
    return e;
  }

  private append(p: usize, len: usize, h: u32): i32 {
    if (this.size == this.capacity) {
      this.capacity <<= 1;
      this.entries = heap.realloc(this.entries, <usize>this.capacity * ENTRY);
    }
    const e = this.size++;
    const at = this.entries + <usize>e * ENTRY;
    store<u32>(at, <u32>p);
    store<u32>(at, <u32>len, 4);
    store<i32>(at, 0, 8);
    store<u32>(at, h, 12);
    return e;
  }

  private grow(): void {
    const slots = (this.mask + 1) << 1;
    heap.free(this.slots);
    this.slots = heap.alloc(<usize>slots << 2);
    memory.fill(this.slots, 0, <usize>slots << 2);
    this.mask = slots - 1;
    for (let e: i32 = 0; e < this.size; e++) {
      const at = this.entries + <usize>e * ENTRY;
      if (load<u32>(at, 4) == 1) continue;
      let s = load<u32>(at, 12) & this.mask;
      while (load<u32>(this.slots + (<usize>s << 2)) != 0) s = (s + 1) & this.mask;
      store<u32>(this.slots + (<usize>s << 2), <u32>(e + 1));
    }
  }
}

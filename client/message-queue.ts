// The buffer behind the async-iterator style: messages wait here until the loop asks for them. It is
// bounded: a reader that falls further behind than `limit` gets an error instead of a process that
// grows without end (the relay itself closes slow clients the same way).

/** A bounded queue read as an async iterator; `fail` and `end` finish it. */
export class MessageQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | undefined;
  private done = false;
  private failure: Error | undefined;

  constructor(
    private readonly limit: number,
    private readonly onReturn: () => void,
  ) {}

  /** Adds an item; false when the queue is full (and is then failed). */
  push(item: T): boolean {
    if (this.done) return true;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
      return true;
    }
    if (this.items.length >= this.limit) {
      this.fail(new Error(`more than ${this.limit} messages waiting for the reader: it is too slow`));
      return false;
    }
    this.items.push(item);
    return true;
  }

  /** Ends the iteration once the buffered items are read. */
  end(): void {
    this.done = true;
    this.settle();
  }

  /** Ends the iteration with `error` once the buffered items are read. */
  fail(error: Error): void {
    this.failure ??= error;
    this.done = true;
    this.settle();
  }

  private settle(): void {
    if (!this.waiting || this.items.length > 0) return;
    const { resolve, reject } = this.waiting;
    this.waiting = undefined;
    if (this.failure) reject(this.failure);
    else resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.done) return this.failure ? Promise.reject(this.failure) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

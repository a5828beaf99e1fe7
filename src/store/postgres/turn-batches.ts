interface Waiting<Ask, Answer> {
  ask: Ask;
  resolve: (answer: Answer) => void;
  reject: (error: unknown) => void;
}

/** How a batch is sent: a lone ask by its plain statement, several by one statement for all. */
export interface BatchSenders<Ask, Answer> {
  one: (ask: Ask) => Promise<Answer>;
  /** Answers in the order of `asks`. */
  many: (asks: Ask[]) => Promise<Answer[]>;
}

/**
 * Asks that arrive together (in one turn of the event loop) are sent together, at most
 * `maxBatch` to a statement: on a busy node most of a lookup's cost is the round trip
 * itself (a write to the server's socket and its answer, on both sides), so 30 in one
 * statement cost little more than one. Each ask is still sent after it was made, so it sees
 * every write committed before it (reads stay linearizable). A failed statement fails every
 * ask in it.
 */
export class TurnBatches<Ask, Answer> {
  private waiting: Waiting<Ask, Answer>[] = [];
  private scheduled = false;

  constructor(
    private readonly send: BatchSenders<Ask, Answer>,
    private readonly maxBatch = 100,
  ) {}

  ask(ask: Ask): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ ask, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After this turn's I/O: the asks whose requests arrived together join one statement.
      setImmediate(() => {
        this.scheduled = false;
        const waiting = this.waiting;
        this.waiting = [];
        for (let start = 0; start < waiting.length; start += this.maxBatch) {
          void this.sendBatch(waiting.slice(start, start + this.maxBatch));
        }
      });
    });
  }

  private async sendBatch(batch: Waiting<Ask, Answer>[]): Promise<void> {
    try {
      if (batch.length === 1) {
        const [only] = batch as [Waiting<Ask, Answer>];
        only.resolve(await this.send.one(only.ask));
        return;
      }
      const answers = await this.send.many(batch.map((waiting) => waiting.ask));
      batch.forEach((waiting, n) => waiting.resolve(answers[n]!));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }
}

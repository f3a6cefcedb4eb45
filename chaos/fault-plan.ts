// When each fault of a chaos run happens. Faults are tied to write progress, not to the clock, so
// every one lands in the middle of the burst however fast the machine is: fault j fires when the
// writer starts product N·(j+1)/(F+1), kinds interleaved, while other writes are in flight and go
// on during the fault. The writer waits at a fault's product until the previous fault has finished,
// so no fault is skipped or stacked on another.

export type FaultKind = 'relay-kill' | 'mongo-drop' | 'mongo-restart' | 'mongo-stall' | 'index-loss';

/** One planned fault. */
export interface PlannedFault {
  kind: FaultKind;
  /** Fires when the writer starts this product (0-based). */
  atProduct: number;
}

/** Spreads the faults evenly over the products, interleaving the kinds round-robin. */
export function planFaults(products: number, counts: Record<FaultKind, number>): PlannedFault[] {
  const remaining = { ...counts };
  const order: FaultKind[] = [];
  const kinds: FaultKind[] = ['relay-kill', 'mongo-drop', 'mongo-restart', 'mongo-stall', 'index-loss'];
  while (kinds.some((kind) => remaining[kind] > 0)) {
    for (const kind of kinds) {
      if (remaining[kind] > 0) {
        order.push(kind);
        remaining[kind] -= 1;
      }
    }
  }
  return order.map((kind, j) => ({ kind, atProduct: Math.max(1, Math.round((products * (j + 1)) / (order.length + 1))) }));
}

/**
 * A gate for the writer: call it before starting product `index`. It starts the faults planned for
 * that product (after the previous fault has finished) and resolves once they have been started.
 */
export function faultGate(
  plan: PlannedFault[],
  run: (fault: PlannedFault) => Promise<void>,
): {
  gate: (index: number) => Promise<void>;
  /** Resolves when every started fault has finished. */
  settled: () => Promise<void>;
} {
  const pending = [...plan].sort((a, b) => a.atProduct - b.atProduct);
  let previous: Promise<void> = Promise.resolve();
  const gate = async (index: number) => {
    while (pending.length > 0 && (pending[0]?.atProduct ?? Infinity) <= index) {
      const fault = pending.shift() as PlannedFault;
      const before = previous;
      previous = before.then(() => run(fault));
      await before;
    }
  };
  return { gate, settled: () => previous };
}

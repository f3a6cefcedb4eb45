// Connections per client address, for RELAY_MAX_CONNECTIONS_PER_IP: one count per address that holds
// a slot (upgrading or open), dropped when it reaches 0 so the map never outgrows the connections.

/** Per-address slot counts with a ceiling. */
export interface AddressSlots {
  /** Takes a slot for `address`; false (and nothing taken) when it already holds `limit`. */
  take(address: string): boolean;
  /** Gives back a slot taken for `address`. */
  release(address: string): void;
  /** Slots `address` holds now. */
  held(address: string): number;
}

/** Slot counts with at most `limit` per address. */
export function createAddressSlots(limit: number): AddressSlots {
  const counts = new Map<string, number>();
  return {
    take(address) {
      const held = counts.get(address) ?? 0;
      if (held >= limit) return false;
      counts.set(address, held + 1);
      return true;
    },
    release(address) {
      const held = counts.get(address) ?? 0;
      if (held <= 1) counts.delete(address);
      else counts.set(address, held - 1);
    },
    held: (address) => counts.get(address) ?? 0,
  };
}

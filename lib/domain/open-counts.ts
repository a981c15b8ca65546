/** One change of an owner's open-conversation count. */
export interface OpenCountChange {
  ownerEmail: string;
  delta: number;
}

/**
 * What moving a conversation's count from `previous` (the owner it was counted for, if any) to `next`
 * (the owner it counts for now; none once it is closed) changes: one less for the former, one more for
 * the new, unless `nextTaken` says the new owner's count was already taken for it (a new customer's
 * first conversation, counted when the customer was assigned).
 */
export function openCountChanges(move: {
  previous?: string | undefined;
  next?: string | undefined;
  nextTaken?: boolean;
}): OpenCountChange[] {
  if (move.previous === move.next) return [];
  return [
    ...(move.previous !== undefined ? [{ ownerEmail: move.previous, delta: -1 }] : []),
    ...(move.next !== undefined && !move.nextTaken ? [{ ownerEmail: move.next, delta: 1 }] : []),
  ];
}

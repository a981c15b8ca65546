import { describe, expect, it } from 'vitest';
import { openCountChanges } from '../../../lib/domain/open-counts.js';

describe('openCountChanges', () => {
  it('counts a conversation that opens for an owner, unless assigning the customer already did', () => {
    expect(openCountChanges({ next: 'a@x.test' })).toEqual([{ ownerEmail: 'a@x.test', delta: 1 }]);
    expect(openCountChanges({ next: 'a@x.test', nextTaken: true })).toEqual([]);
  });

  it('takes a closed conversation off its owner, and a handed-off one from the former to the new owner', () => {
    expect(openCountChanges({ previous: 'a@x.test' })).toEqual([{ ownerEmail: 'a@x.test', delta: -1 }]);
    expect(openCountChanges({ previous: 'a@x.test', next: 'b@x.test' })).toEqual([
      { ownerEmail: 'a@x.test', delta: -1 },
      { ownerEmail: 'b@x.test', delta: 1 },
    ]);
  });

  it('changes nothing when the conversation already counts for that owner, or for nobody', () => {
    expect(openCountChanges({ previous: 'a@x.test', next: 'a@x.test' })).toEqual([]);
    expect(openCountChanges({})).toEqual([]);
  });
});

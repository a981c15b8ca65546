/**
 * One piece of time-driven work the promise scheduler hands a worker: a due conversation's promise
 * step, or the reminder of one question an owner asked a colleague.
 */
export type DueWork =
  | { kind: 'promise-step'; conversationId: string }
  | { kind: 'consult-reminder'; conversationId: string; questionId: string; colleague: string };

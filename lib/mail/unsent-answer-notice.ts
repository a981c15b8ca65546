/** Why an owner's answer was not sent. */
export type UnsentReason =
  /** The owner typed (part of) the answer inside the quoted context block. */
  | 'answer-in-context'
  /** A context marker line is left in the owner's own text: it and what follows cannot be told apart. */
  | 'context-damaged'
  /** Nothing was left after the quote, the context block and internal addresses were removed. */
  | 'empty-reply';

/** What the owner wrote, as far as the reply could be read. */
export interface UnsentAnswer {
  conversationId: string;
  subject: string;
  reason: UnsentReason;
  /** The owner's text above and between the quotes. */
  written: string;
  /** Lines the owner typed inside the context block. */
  insideContext: string[];
  rawKey: string;
}

const WHY: Record<UnsentReason, string> = {
  'answer-in-context':
    'part of it was written inside the quoted support context block, which is never sent to a customer',
  'context-damaged':
    'a line of the support context block is left in your own text, so your answer and the internal context could not be told apart',
  'empty-reply':
    'nothing was left after removing the quoted mail, the support context and lines naming your own mailbox or a reply address',
};

function block(title: string, lines: string): string {
  return `----- ${title} -----\n${lines}\n----- end -----`;
}

/**
 * The notice telling an owner their answer went to nobody, with their own text quoted back so nothing
 * they wrote is lost: nothing of such an answer is sent, never a part of it.
 */
export function unsentAnswerNotice(answer: UnsentAnswer): { subject: string; paragraphs: string[] } {
  const texts = [
    answer.written.trim() === ''
      ? 'You wrote nothing above the quoted mail.'
      : block('Your text', answer.written.trim()),
    ...(answer.insideContext.length > 0
      ? [block('Your text inside the support context block', answer.insideContext.join('\n'))]
      : []),
  ];
  return {
    subject: `Not sent: your answer in conversation ${answer.conversationId}`,
    paragraphs: [
      `Your answer in conversation ${answer.conversationId} ("${answer.subject}") was not sent to the customer: ${WHY[answer.reason]}. Nothing of it went out.`,
      ...texts,
      'Write your whole answer above the quoted mail and send it again to the same reply address.',
      `Raw mail: ${answer.rawKey}.`,
    ],
  };
}

/**
 * The one text the models see for a ticket. Shared by the trainer and the
 * Worker so training and serving can never drift apart.
 */
export function ticketText(subject: string, body: string): string {
  // An empty subject must not leave a leading space: tokenizers that keep
  // whitespace would otherwise see two forms of the same ticket.
  return (subject ? `${subject} ${body}` : body).toLowerCase();
}

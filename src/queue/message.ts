/** What POST /v2/tickets puts on the queue: the store holds the rest. */
export interface TicketMessage {
  ticket_id: string;
  accepted_at: string;
}

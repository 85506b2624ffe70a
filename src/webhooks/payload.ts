/**
 * The request body for each webhook format. Pure: the same ticket always yields the
 * same body, so signing and retries see identical bytes.
 */
import type { WebhookFormat } from "./config.ts";
import { displaySubject, escapeDiscord, escapeSlack, formatScore, oneLine, truncate } from "./text.ts";

export interface UrgentTicket {
  ticket_id: string;
  category: string;
  urgency_score: number;
  subject: string;
  confidence?: number;
  model_used?: string;
  /** "review": the category is below its confidence band, a person should confirm it; the alert says so. */
  routing?: "auto" | "review";
}

export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}
type SlackText = { type: "mrkdwn"; text: string };
type SlackBlock = { type: "section"; text: SlackText } | { type: "context"; elements: SlackText[] };

export interface DiscordPayload {
  content: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: never[] };
}
interface DiscordEmbed {
  title: string;
  description: string;
  color: number;
  fields: { name: string; value: string; inline: boolean }[];
}

export interface GenericPayload {
  event: "ticket.urgent";
  ticket: UrgentTicket;
}

export type WebhookPayload = SlackPayload | DiscordPayload | GenericPayload;

/** Discord's hard limits; a body over them is rejected with 400 and never retried. */
export const DISCORD_CONTENT_MAX = 2000;
const DISCORD_TITLE_MAX = 256;
const SHORT_MAX_CHARS = 100;
const URGENT_RED = 0xd93025;

export function buildPayload(format: WebhookFormat, ticket: UrgentTicket): WebhookPayload {
  switch (format) {
    case "slack":
      return slackPayload(ticket);
    case "discord":
      return discordPayload(ticket);
    case "generic":
      return genericPayload(ticket);
  }
}

const NEEDS_REVIEW = "needs review";
/** " (needs review)" for a ticket routed to review, "" otherwise. */
function reviewNote(ticket: UrgentTicket): string {
  return ticket.routing === "review" ? ` (${NEEDS_REVIEW})` : "";
}

/** Optional details, in display order; absent ones are left out rather than shown as blank. */
function details(ticket: UrgentTicket): [string, string][] {
  const out: [string, string][] = [];
  if (ticket.confidence !== undefined) out.push(["Confidence", formatScore(ticket.confidence)]);
  if (ticket.model_used) out.push(["Model", short(ticket.model_used)]);
  return out;
}

/** Ids, categories and model names are caller data: keep a runaway one from crowding out the message. */
function short(text: string): string {
  return truncate(oneLine(text), SHORT_MAX_CHARS);
}

export function slackPayload(ticket: UrgentTicket): SlackPayload {
  const id = escapeSlack(short(ticket.ticket_id));
  const category = escapeSlack(short(ticket.category));
  const score = formatScore(ticket.urgency_score);
  const subject = escapeSlack(displaySubject(ticket.subject));
  const blocks: SlackBlock[] = [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `:rotating_light: *Urgent ticket ${id}*\n*Category:* ${category}${reviewNote(ticket)}\n*Urgency:* ${score}\n*Subject:* ${subject}`,
      },
    },
  ];
  const extra = details(ticket);
  if (extra.length > 0) {
    const line = extra.map(([name, value]) => `${name}: ${escapeSlack(value)}`).join(" · ");
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: line }] });
  }
  // `text` is what notifications and screen readers show when blocks are present.
  return { text: `Urgent ${category} ticket ${id} (urgency ${score}${ticket.routing === "review" ? `, category ${NEEDS_REVIEW}` : ""}): ${subject}`, blocks };
}

export function discordPayload(ticket: UrgentTicket): DiscordPayload {
  const id = escapeDiscord(short(ticket.ticket_id));
  const category = escapeDiscord(short(ticket.category));
  const score = formatScore(ticket.urgency_score);
  const fields = [
    { name: "Category", value: `${category || "n/a"}${reviewNote(ticket)}`, inline: true },
    { name: "Urgency", value: score, inline: true },
    ...details(ticket).map(([name, value]) => ({ name, value: escapeDiscord(value), inline: true })),
  ];
  return {
    content: truncate(`Urgent **${category}** ticket ${id} (urgency ${score}${ticket.routing === "review" ? `, category ${NEEDS_REVIEW}` : ""})`, DISCORD_CONTENT_MAX),
    embeds: [
      {
        title: truncate(`Urgent ticket ${id}`, DISCORD_TITLE_MAX),
        description: escapeDiscord(displaySubject(ticket.subject)),
        color: URGENT_RED,
        fields,
      },
    ],
    // Nothing in the message may ping: a subject saying @everyone stays plain text.
    allowed_mentions: { parse: [] },
  };
}

/** Machine-readable: the raw score, known fields only, subject bounded like the chat formats. */
export function genericPayload(ticket: UrgentTicket): GenericPayload {
  return {
    event: "ticket.urgent",
    ticket: {
      ticket_id: ticket.ticket_id,
      category: ticket.category,
      urgency_score: ticket.urgency_score,
      subject: displaySubject(ticket.subject),
      ...(ticket.confidence !== undefined && { confidence: ticket.confidence }),
      ...(ticket.model_used !== undefined && { model_used: ticket.model_used }),
      ...(ticket.routing !== undefined && { routing: ticket.routing }),
    },
  };
}

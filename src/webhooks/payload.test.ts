import { describe, expect, it } from "vitest";
import {
  buildPayload,
  discordPayload,
  genericPayload,
  slackPayload,
  DISCORD_CONTENT_MAX,
  type DiscordPayload,
  type GenericPayload,
  type SlackPayload,
  type UrgentTicket,
} from "./payload.ts";
import { escapeDiscord, escapeSlack, SUBJECT_MAX_CHARS, truncate } from "./text.ts";

const TICKET: UrgentTicket = {
  ticket_id: "t-123",
  category: "Billing",
  urgency_score: 0.9349,
  subject: "Card charged twice",
  confidence: 0.876,
  model_used: "m2",
};

describe("slack payload", () => {
  it("names id, category, 2-decimal score and subject in text and a mrkdwn section", () => {
    const body = buildPayload("slack", TICKET) as SlackPayload;
    expect(body.text).toBe("Urgent Billing ticket t-123 (urgency 0.93): Card charged twice");
    const section = body.blocks[0];
    expect(section).toMatchObject({ type: "section", text: { type: "mrkdwn" } });
    const text = section?.type === "section" ? section.text.text : "";
    expect(text).toContain("*Urgent ticket t-123*");
    expect(text).toContain("*Category:* Billing");
    expect(text).toContain("*Urgency:* 0.93");
    expect(text).toContain("*Subject:* Card charged twice");
    expect(body.blocks[1]).toEqual({ type: "context", elements: [{ type: "mrkdwn", text: "Confidence: 0.88 · Model: m2" }] });
  });

  it("escapes &, < and > so a subject cannot ping the channel or forge a link", () => {
    const body = buildPayload("slack", { ...TICKET, subject: "<!channel> R&D <http://evil.test|click>" }) as SlackPayload;
    const escaped = "&lt;!channel&gt; R&amp;D &lt;http://evil.test|click&gt;";
    expect(body.text).toContain(escaped);
    expect(JSON.stringify(body.blocks)).toContain(escaped);
    expect(JSON.stringify(body)).not.toContain("<!channel>");
  });

  it("omits the context block when there are no optional details", () => {
    const { confidence: _c, model_used: _m, ...bare } = TICKET;
    expect((buildPayload("slack", bare) as SlackPayload).blocks).toHaveLength(1);
  });
});

describe("discord payload", () => {
  it("uses content plus one embed, and disables every mention", () => {
    const body = buildPayload("discord", TICKET) as DiscordPayload;
    expect(body.content).toBe("Urgent **Billing** ticket t-123 (urgency 0.93)");
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds).toHaveLength(1);
    expect(body.embeds[0]).toMatchObject({
      title: "Urgent ticket t-123",
      description: "Card charged twice",
      fields: [
        { name: "Category", value: "Billing", inline: true },
        { name: "Urgency", value: "0.93", inline: true },
        { name: "Confidence", value: "0.88", inline: true },
        { name: "Model", value: "m2", inline: true },
      ],
    });
    expect(typeof body.embeds[0]?.color).toBe("number");
  });

  it("keeps @everyone from pinging and markdown from rendering", () => {
    const body = buildPayload("discord", { ...TICKET, subject: "@everyone **free** [login](http://evil.test)" }) as DiscordPayload;
    expect(body.allowed_mentions.parse).toEqual([]);
    expect(body.embeds[0]?.description).toBe("@everyone \\*\\*free\\*\\* \\[login\\](http://evil.test)");
  });

  it("truncates a huge subject to 200 characters and content to Discord's 2000", () => {
    const body = buildPayload("discord", {
      ...TICKET,
      ticket_id: "x".repeat(5000),
      subject: "word ".repeat(2000),
    }) as DiscordPayload;
    expect(body.content.length).toBeLessThanOrEqual(DISCORD_CONTENT_MAX);
    const description = body.embeds[0]?.description ?? "";
    expect(Array.from(description).length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);
    expect(description.endsWith("…")).toBe(true);
    expect(body.embeds[0]?.title.length).toBeLessThanOrEqual(256);
  });
});

describe("generic payload", () => {
  it("is a ticket.urgent event with the raw score and known fields only", () => {
    const body = buildPayload("generic", { ...TICKET, extra: "internal" } as UrgentTicket) as GenericPayload;
    expect(body).toEqual({
      event: "ticket.urgent",
      ticket: {
        ticket_id: "t-123",
        category: "Billing",
        urgency_score: 0.9349,
        subject: "Card charged twice",
        confidence: 0.876,
        model_used: "m2",
      },
    });
  });

  it("flattens and bounds the subject, and leaves absent options out", () => {
    const body = buildPayload("generic", {
      ticket_id: "t",
      category: "Legal",
      urgency_score: 1,
      subject: `line one\n\nline two ${"y".repeat(300)}`,
    }) as GenericPayload;
    expect(body.ticket.subject.startsWith("line one line two y")).toBe(true);
    expect(Array.from(body.ticket.subject)).toHaveLength(SUBJECT_MAX_CHARS);
    expect(Object.keys(body.ticket)).toEqual(["ticket_id", "category", "urgency_score", "subject"]);
  });

  it("labels a blank subject", () => {
    expect((buildPayload("generic", { ...TICKET, subject: " \n " }) as GenericPayload).ticket.subject).toBe("(no subject)");
  });
});

describe("text helpers", () => {
  it("truncate counts code points and never splits an emoji", () => {
    const cut = truncate("🔥".repeat(10), 5);
    expect(cut).toBe("🔥🔥🔥🔥…");
    expect(truncate("short", 5)).toBe("short");
  });

  it("escapeSlack escapes exactly &, < and >", () => {
    expect(escapeSlack("a & b < c > d *e*")).toBe("a &amp; b &lt; c &gt; d *e*");
  });

  it("escapeDiscord escapes markdown, and # or - only at the start", () => {
    expect(escapeDiscord("# a-b #c")).toBe("\\# a-b #c");
    expect(escapeDiscord("<@123> ||x|| `y` ~z~ _u_")).toBe("\\<@123\\> \\|\\|x\\|\\| \\`y\\` \\~z\\~ \\_u\\_");
  });
});

describe("a ticket routed to review", () => {
  const review: UrgentTicket = { ...TICKET, routing: "review" };

  it("says the category needs review in every chat format, and carries routing in the generic one", () => {
    const slack = slackPayload(review);
    expect(slack.text).toMatch(/needs review/);
    expect(JSON.stringify(slack.blocks)).toMatch(/\*Category:\* [^\\]+ \(needs review\)/);
    const discord = discordPayload(review);
    expect(discord.content).toMatch(/category needs review/);
    expect(discord.embeds[0]!.fields[0]!.value).toMatch(/\(needs review\)$/);
    expect(genericPayload(review).ticket.routing).toBe("review");
  });

  it("says nothing of review for an auto ticket, or one without routing", () => {
    for (const t of [{ ...TICKET, routing: "auto" as const }, TICKET]) {
      expect(JSON.stringify(slackPayload(t))).not.toMatch(/review/);
      expect(JSON.stringify(discordPayload(t))).not.toMatch(/review/);
    }
    expect(genericPayload(TICKET).ticket).not.toHaveProperty("routing");
  });
});

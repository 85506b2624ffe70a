import { describe, expect, it } from "vitest";
import type { Ticket } from "../dataset/tickets.ts";
import { ticketText } from "../src/ml/text.ts";
import { applyCorrections, parseCorrections } from "./corrections.ts";
import type { TrainingData } from "./data.ts";

const HEADER = "ticket_id,subject,body,category,previous_category,agent,corrected_at\n";

function data(tickets: Omit<Ticket, "queue" | "priority">[]): TrainingData {
  const full = tickets.map((t) => ({ ...t, queue: "q", priority: "low" }));
  return {
    tickets: full,
    texts: full.map((t) => ticketText(t.subject, t.body)),
    labels: full.map((t) => t.category),
    path: "a.csv",
    sha256: "0".repeat(64),
    skipped: { missingQueue: 0, missingBody: 0, unmapped: 0 },
    files: [{ path: "a.csv", sha256: "0".repeat(64), rows: full.length, skipped: { missingQueue: 0, missingBody: 0, unmapped: 0 } }],
    fileOf: full.map(() => 0),
  };
}

describe("parseCorrections", () => {
  it("keeps the newest correction per ticket, whatever the row order, and counts the superseded", () => {
    const file = parseCorrections(
      HEADER +
        "t1,Invoice,charged twice,Legal,Billing,ann,2026-03-02T10:00:00Z\n" +
        "t2,VPN,\"down, again\",Technical,Billing,bob,2026-03-01T10:00:00Z\n" +
        "t1,Invoice,charged twice,Billing,Legal,bob,2026-03-01T09:00:00Z\n" +
        "t2,VPN,\"down, again\",Billing,Technical,ann,2026-03-01T10:00:00Z\n",
      "c.csv",
    );
    expect(file.rows).toBe(4);
    expect(file.superseded).toBe(2);
    // t1: the older row came later in the file and loses; t2: equal times, the later row wins.
    expect(file.corrections.map((c) => [c.ticket_id, c.category, c.agent])).toEqual([
      ["t1", "Legal", "ann"],
      ["t2", "Billing", "ann"],
    ]);
    expect(file.corrections[1]!.body).toBe("down, again");
  });

  it("accepts the columns in any order and turns literal \\n into newlines like the ticket loader", () => {
    const file = parseCorrections("corrected_at,category,body,subject,ticket_id,agent,previous_category\n2026-01-01T00:00:00.000Z,Billing,a\\nb,s,t9,,\n", "c.csv");
    expect(file.corrections[0]).toMatchObject({ ticket_id: "t9", subject: "s", body: "a\nb", category: "Billing", agent: "", previous_category: "" });
  });

  it.each([
    ["ticket_id,subject,body,category\n", /c\.csv: header lacks previous_category, agent, corrected_at/],
    ["", /c\.csv: empty/],
    [HEADER + ",s,b,Billing,,ann,2026-01-01T00:00:00Z\n", /c\.csv: data row 1: ticket_id: ticket_id is empty/],
    [HEADER + "t1,s, ,Billing,,ann,2026-01-01T00:00:00Z\n", /data row 1: body: body is empty/],
    [HEADER + "t1,s,b,Billing,,ann,2026-01-01T00:00:00Z\nt2,s,b,<script>,,ann,2026-01-01T00:00:00Z\n", /data row 2: category: category "<script>" must start/],
    [HEADER + "t1,s,b,Billing,,ann,last tuesday\n", /data row 1: corrected_at: corrected_at must be an ISO 8601 date-time/],
    [HEADER + 't1,s,"b,Billing\n', /c\.csv: .*quote/i],
  ])("refuses %j with an error naming the file and row", (text, message) => {
    expect(() => parseCorrections(text, "c.csv")).toThrow(message);
  });
});

describe("applyCorrections", () => {
  const base = data([
    { subject: "Invoice", body: "charged twice", language: "en", category: "Billing" },
    { subject: "Invoice", body: "charged twice", language: "de", category: "Billing" },
    { subject: "VPN", body: "down", language: "en", category: "Technical" },
    { subject: "Contract", body: "termination", language: "en", category: "Legal" },
  ]);
  const file = (rows: string) => ({ ...parseCorrections(HEADER + rows, "/x/c.csv"), path: "/x/c.csv", sha256: "1".repeat(64) });

  it("relabels every row with the exact subject + body, appends the others as rows of one more file", () => {
    const { data: out, applied } = applyCorrections(
      base,
      file("t1,Invoice,charged twice,Legal,Billing,ann,2026-01-01T00:00:00Z\nt2,VPN,down,Technical,Billing,ann,2026-01-01T00:00:00Z\nt3,Refund,please refund,Billing,Technical,ann,2026-01-01T00:00:00Z\nt4,invoice,charged twice,Technical,Billing,ann,2026-01-01T00:00:00Z\n"),
    );
    expect(applied).toEqual({ relabelled: 2, added: 2, unchanged: 1 });
    expect(out.labels).toEqual(["Legal", "Legal", "Technical", "Legal", "Billing", "Technical"]);
    expect(out.tickets.map((t) => t.category)).toEqual(out.labels);
    expect(out.texts.at(-2)).toBe(ticketText("Refund", "please refund"));
    expect(out.fileOf).toEqual([0, 0, 0, 0, 1, 1]);
    expect(out.files).toHaveLength(2);
    expect(out.files[1]!.rows).toBe(2);
    expect(out.sha256).not.toBe(base.sha256);
    // The input is left as it was.
    expect(base.labels).toEqual(["Billing", "Billing", "Technical", "Legal"]);
  });

  it("refuses a category the training data does not have, naming the ticket", () => {
    expect(() => applyCorrections(base, file("t7,VPN,down,Sales,Technical,ann,2026-01-01T00:00:00Z\n"))).toThrow(
      /corrections file \/x\/c\.csv: ticket t7: category "Sales" is not a category of the training data \(Billing, Legal, Technical\)/,
    );
  });
});

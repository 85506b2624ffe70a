import { describe, expect, it } from "vitest";
import { CsvError, parseCsv } from "./csv.ts";
import { loadTickets, resolveTicketsPath, SAMPLE_DATASET_PATH } from "./load.ts";
import { ticketsFromCsv, unescapeNewlines } from "./tickets.ts";
import { ticketText } from "../src/ml/text.ts";

describe("parseCsv", () => {
  it("keeps commas, doubled quotes and real newlines inside quoted fields", () => {
    const text = 'a,b,c\n"x, y","say ""hi""","line1\nline2\r\nline3"\n';
    expect(parseCsv(text)).toEqual([
      ["a", "b", "c"],
      ["x, y", 'say "hi"', "line1\nline2\r\nline3"],
    ]);
  });

  it("strips a leading BOM so the first header name matches", () => {
    expect(parseCsv("\uFEFFsubject,body\r\ns,b\r\n")).toEqual([
      ["subject", "body"],
      ["s", "b"],
    ]);
  });

  it("accepts CRLF, LF and lone CR record separators", () => {
    expect(parseCsv("a,b\r\n1,2\n3,4\r5,6")).toEqual([
      ["a", "b"],
      ["1", "2"],
      ["3", "4"],
      ["5", "6"],
    ]);
  });

  it("keeps empty fields, including a trailing one and an empty quoted one", () => {
    expect(parseCsv(',"",x,\n,,\n')).toEqual([
      ["", "", "x", ""],
      ["", "", ""],
    ]);
  });

  it("gives the same records with or without a final newline", () => {
    expect(parseCsv("a,b\n1,2")).toEqual(parseCsv("a,b\n1,2\n"));
    expect(parseCsv('a,"q\n"')).toEqual([["a", "q\n"]]);
  });

  it("returns no records for empty input or a lone BOM", () => {
    expect(parseCsv("")).toEqual([]);
    expect(parseCsv("\uFEFF")).toEqual([]);
  });

  it("keeps a stray quote inside an unquoted field literally", () => {
    expect(parseCsv('5" screen,ok')).toEqual([['5" screen', "ok"]]);
  });

  it("rejects an unterminated quote and text glued after a closing quote, naming the line", () => {
    expect(() => parseCsv('a\n"open,b\n')).toThrow(/unterminated quoted field starting on line 2/);
    expect(() => parseCsv('a\nb\n"x"y,z')).toThrow(CsvError);
    expect(() => parseCsv('a\nb\n"x"y,z')).toThrow(/line 3/);
  });

  // Its speed is bench material (the loader reads the full 28k-row file once per run); this checks a
  // file of that size parses completely and correctly.
  it("parses a 26 MB file", () => {
    const row = '"Subject, with comma","Body line\\nnext ""quoted"" and more text to pad it out",answer,Incident,Technical Support,high,en,51,a,b,c,,,,,\n';
    const text = "subject,body\n" + row.repeat(Math.ceil(26e6 / row.length));
    const rows = parseCsv(text);
    expect(rows.length).toBe(Math.ceil(26e6 / row.length) + 1);
    expect(rows[1]?.[1]).toBe('Body line\\nnext "quoted" and more text to pad it out');
  });
});

describe("ticketsFromCsv", () => {
  const header = "subject,body,answer,type,queue,priority,language,version,tag_1\n";

  it("maps columns by header name, whatever their order", () => {
    const text = 'language,queue,body,subject,priority\nde,Billing and Payments,"Rechnung\\nfalsch",Hallo,high\n';
    const { tickets } = ticketsFromCsv(text);
    expect(tickets).toEqual([
      { subject: "Hallo", body: "Rechnung\nfalsch", queue: "Billing and Payments", priority: "high", language: "de", category: "Billing" },
    ]);
  });

  it("turns literal backslash-n into real newlines and allows empty subjects", () => {
    const text = header + ',"Hi,\\n\\nthe server is down.\\r\\nBye",,Incident,IT Support,high,en,51,x\n';
    const [ticket] = ticketsFromCsv(text).tickets;
    expect(ticket?.subject).toBe("");
    expect(ticket?.body).toBe("Hi,\n\nthe server is down.\nBye");
    expect(ticket?.category).toBe("Technical");
  });

  it("skips and counts rows without a queue or without a body", () => {
    const text =
      header +
      "s1,body one,,Request,Human Resources,low,en,51,x\n" +
      "s2,body two,,Request,,low,en,51,x\n" + // empty queue
      "s3,body three\n" + // row cut short: queue missing
      "s4,  ,,Request,Returns and Exchanges,low,en,51,x\n" + // blank body
      "\n"; // blank line: not a record
    const result = ticketsFromCsv(text);
    expect(result.tickets.map((t) => [t.subject, t.category])).toEqual([["s1", "Legal"]]);
    expect(result.skipped).toEqual({ missingQueue: 2, missingBody: 1, unmapped: 0 });
    expect(result.rows).toBe(4);
  });

  it("rejects a file without the columns it needs", () => {
    expect(() => ticketsFromCsv("subject,text\na,b\n")).toThrow(/"body" column/);
    expect(() => ticketsFromCsv("")).toThrow(/empty/);
  });

  it("unescapeNewlines touches only the newline escapes", () => {
    expect(unescapeNewlines("tab\\t slash\\ real\nkept")).toBe("tab\\t slash\\ real\nkept");
    expect(unescapeNewlines("a\\nb\\r\\nc\\rd")).toBe("a\nb\nc\\rd");
  });
});

describe("ticketText", () => {
  it("joins subject and body lower-cased, without a leading space for empty subjects", () => {
    expect(ticketText("Invoice WRONG", "Please Fix")).toBe("invoice wrong please fix");
    expect(ticketText("", "Server DOWN")).toBe("server down");
  });
});

describe("loadTickets on the shared sample", () => {
  it("resolves TICKETS_CSV first", () => {
    expect(resolveTicketsPath({ TICKETS_CSV: "/tmp/x.csv" })).toBe("/tmp/x.csv");
  });

  it("loads 1,872 tickets with the documented category and language counts", async () => {
    const { tickets, skipped, rows, path } = await loadTickets(SAMPLE_DATASET_PATH);
    expect(path).toBe(SAMPLE_DATASET_PATH);
    expect(rows).toBe(1872);
    expect(skipped).toEqual({ missingQueue: 0, missingBody: 0, unmapped: 0 });
    expect(tickets).toHaveLength(1872);

    const count = (key: "category" | "language") =>
      Object.fromEntries(
        [...new Set(tickets.map((t) => t[key]))].map((v) => [v, tickets.filter((t) => t[key] === v).length]),
      );
    expect(count("category")).toEqual({ Billing: 245, Legal: 41, Technical: 1586 });
    expect(count("language")).toEqual({ en: 1204, de: 668 });
    expect(tickets.filter((t) => t.queue === "Service Outages and Maintenance")).toHaveLength(80);

    expect(tickets.some((t) => t.body.includes("\n"))).toBe(true);
    expect(tickets.some((t) => t.body.includes("\\n") || t.subject.includes("\\n"))).toBe(false);
    expect(tickets.some((t) => t.subject === "")).toBe(true);
  });
});

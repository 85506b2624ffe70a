/**
 * The parts of the body reader that lean on the runtime, run inside workerd: its streams,
 * its TextDecoder and its regular expressions (src/http/json-body.test.ts covers the rest
 * in Node).
 */
import { describe, expect, it } from "vitest";
import { BodyRejection, decodeUtf8, findLoneSurrogates, readJsonBody } from "./json-body.ts";

const enc = (text: string) => new TextEncoder().encode(text);

async function rejection(run: () => unknown): Promise<BodyRejection> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(BodyRejection);
    return err as BodyRejection;
  }
  throw new Error("expected a BodyRejection, got none");
}

describe("json-body in workerd", () => {
  it("answers 400 for a Request whose body stream errors mid-read", async () => {
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(enc('{"subject":"s","bo'));
        } else controller.error(new Error("connection reset mid-body"));
      },
    });
    const req = new Request("http://edge.test/v1/tickets", { method: "POST", headers: { "content-type": "application/json" }, body });
    const err = await rejection(() => readJsonBody(req));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^Request body could not be read to the end \(connection reset mid-body\)/);
  });

  it("refuses invalid UTF-8 with workerd's fatal TextDecoder and drops a BOM", async () => {
    expect((await rejection(() => decodeUtf8(new Uint8Array([0x61, 0xed, 0xa0, 0x80])))).status).toBe(400);
    expect((await rejection(() => decodeUtf8(new Uint8Array([0xe2, 0x82])))).status).toBe(400);
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe("{}");
  });

  it("finds exactly the strings String.prototype.isWellFormed rejects", () => {
    const samples = ["plain", "😀", "\ud83d\ude00", "\ud800", "a\udc00", "\udc00\ud800", "\ud83d", "x\ud83d\ude00\udfff"];
    const isWellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
    expect(samples.map((s) => findLoneSurrogates(s).length === 0)).toEqual(samples.map(isWellFormed));
    expect(samples.filter(isWellFormed)).toEqual(["plain", "😀", "\ud83d\ude00"]);
  });
});

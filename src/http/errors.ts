import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";
import { isDependencyFailure } from "../errors.ts";
import type { ErrorBody } from "../schemas/common.ts";
import { logRequest } from "./request-id.ts";

export function jsonError<S extends ContentfulStatusCode>(c: Context, status: S, detail: string, errors?: ErrorBody["errors"]) {
  const body: ErrorBody = errors ? { detail, errors } : { detail };
  return c.json(body, status);
}

/** One line per field, so a client sees every problem at once. */
export function describeZodError(error: ZodError): { detail: string; errors: NonNullable<ErrorBody["errors"]> } {
  const errors = error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join(".") : "body";
    const message =
      issue.code === "unrecognized_keys" ? `unknown field(s): ${issue.keys.join(", ")}` : issue.message;
    return { path, message };
  });
  return { detail: errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors };
}

/** Validation failures of @hono/zod-openapi routes: 422 with the field list. */
export function validationHook(result: { success: boolean; error?: ZodError }, c: Context) {
  if (!result.success && result.error) {
    const { detail, errors } = describeZodError(result.error);
    return jsonError(c, 422, detail, errors);
  }
  return undefined;
}

export const onError: ErrorHandler = (err, c) => {
  if (err instanceof HTTPException) {
    // Hono's own 4xx (malformed JSON, 415 from the validator, body limit) keep their status.
    const detail =
      err.status === 400 && /json/i.test(err.message)
        ? "Malformed JSON in request body"
        : err.message || "Request rejected";
    return jsonError(c, err.status as ContentfulStatusCode, detail);
  }
  if (isDependencyFailure(err)) {
    // Store or queue down: /v2 degrades to a clear 503 while /v1 keeps serving.
    logRequest(c, "warn", "dependency unavailable", { error: String(err) });
    c.header("Retry-After", "5");
    return jsonError(c, 503, (err as Error).message);
  }
  logRequest(c, "error", "unhandled", { error: String(err), stack: (err as Error).stack });
  return jsonError(c, 500, "Internal error");
};

/** How much of a client-sent string (path, header) an error detail echoes. */
export const ECHO_MAX = 200;

/**
 * `text` cut to `max` characters plus "…" and the full length, so an error that names
 * what the client sent stays small (a 64 KB path must not come back as a 65 KB body).
 * Never cuts a surrogate pair in half, which would leave a lone surrogate in the JSON.
 */
export function clip(text: string, max = ECHO_MAX, noun = ""): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}… (${noun ? `${noun} ` : ""}cut: ${text.length} characters)`;
}

/** The request path as 404 and 405 details echo it. */
export const echoPath = (path: string) => clip(path, ECHO_MAX, "path");

export const notFound: NotFoundHandler = (c) => jsonError(c, 404, `No route for ${c.req.method} ${echoPath(c.req.path)}`);

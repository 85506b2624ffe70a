/**
 * The dashboard's markup: a static shell that /dashboard/app.js fills from the API. Static, so
 * nothing a ticket says is ever part of it; the script writes ticket text with textContent only.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Smart-Support Edge · Queue dashboard</title>
<link rel="stylesheet" href="/dashboard/style.css">
<script type="module" src="/dashboard/app.js"></script>
</head>
<body>
<header>
  <h1>Queue dashboard</h1>
  <p class="sub">The /v1 queue of your token's tenant. Updates every few seconds; <span id="updated">not loaded yet</span>.</p>
  <form id="auth-form" class="auth" autocomplete="off">
    <label for="token">API token</label>
    <input id="token" name="token" type="password" placeholder="only if auth is on" spellcheck="false">
    <button type="submit">Use token</button>
    <button type="button" id="forget-token">Forget</button>
    <span id="auth-state" role="status"></span>
  </form>
</header>
<main>
  <section aria-labelledby="h-summary" class="card wide">
    <h2 id="h-summary">Now</h2>
    <dl class="figures">
      <div><dt>Waiting</dt><dd id="pending-total">–</dd></div>
      <div><dt>In review</dt><dd id="review-total">–</dd></div>
      <div><dt>Claimed</dt><dd id="claimed-total">–</dd></div>
      <div><dt>Processed</dt><dd id="processed-total">–</dd></div>
      <div><dt>Oldest waiting</dt><dd id="oldest-age">–</dd></div>
    </dl>
    <p class="error" id="status-error" role="alert"></p>
  </section>

  <section aria-labelledby="h-pending" class="card">
    <h2 id="h-pending">Waiting by category and urgency</h2>
    <p class="note">Urgency columns: the auto lane. In review: tickets whose confidence is below their category's threshold. Waiting: both.</p>
    <table id="pending-table">
      <caption class="visually-hidden">Waiting tickets per category (rows) and urgency level (columns)</caption>
      <thead><tr><th scope="col">Category</th></tr></thead>
      <tbody></tbody>
      <tfoot></tfoot>
    </table>
  </section>

  <section aria-labelledby="h-models" class="card">
    <h2 id="h-models">Models and webhooks</h2>
    <dl class="pairs" id="models"></dl>
    <p class="error" id="health-error" role="alert"></p>
  </section>

  <section aria-labelledby="h-activity" class="card wide">
    <h2 id="h-activity">Arrivals and completions, last hour</h2>
    <div id="activity-chart"></div>
    <p class="note" id="activity-note"></p>
  </section>

  <section aria-labelledby="h-claim" class="card wide">
    <h2 id="h-claim">Claim a ticket</h2>
    <form id="claim-form" class="claim" autocomplete="off">
      <label for="claim-queue">Queue</label>
      <select id="claim-queue" name="queue"><option value="auto">auto</option><option value="review">review</option></select>
      <label for="claim-category">Category</label>
      <select id="claim-category" name="category"><option value="">any</option></select>
      <label for="claim-lease">Lease (seconds)</label>
      <input id="claim-lease" name="lease_seconds" type="number" min="10" max="3600" step="1" value="300">
      <label for="claim-agent">Agent name</label>
      <input id="claim-agent" name="agent" type="text" maxlength="100" placeholder="your token's agent if it names one">
      <button type="submit" id="claim-button">Claim next</button>
    </form>
    <p id="action-result" role="status"></p>
    <p class="error" id="action-error" role="alert"></p>
  </section>

  <section aria-labelledby="h-claimed" class="card wide">
    <h2 id="h-claimed">Claimed tickets</h2>
    <table id="claimed-table">
      <thead><tr><th scope="col">Ticket</th><th scope="col">Subject</th><th scope="col">Category</th><th scope="col">Urgency</th><th scope="col">Agent</th><th scope="col">Lease expires</th><th scope="col">Actions</th><th scope="col">Correct category</th></tr></thead>
      <tbody></tbody>
    </table>
    <p class="empty" id="claimed-empty">No claimed tickets.</p>
    <p class="error" id="claimed-error" role="alert"></p>
  </section>

  <section aria-labelledby="h-next" class="card wide">
    <h2 id="h-next">Next 20 waiting</h2>
    <table id="queued-table">
      <thead><tr><th scope="col">#</th><th scope="col">Ticket</th><th scope="col">Subject</th><th scope="col">Category</th><th scope="col">Urgency</th><th scope="col">Confidence</th><th scope="col">Routing</th><th scope="col">Waiting</th><th scope="col">Correct category</th></tr></thead>
      <tbody></tbody>
    </table>
    <p class="empty" id="queued-empty">Nothing waiting.</p>
    <p class="error" id="queued-error" role="alert"></p>
  </section>

  <section aria-labelledby="h-review" class="card wide">
    <h2 id="h-review">In review: next 20</h2>
    <p class="note">Confidence below the category's threshold: confirm or correct the category (it then joins the auto lane at its place), or claim from the review queue above.</p>
    <table id="review-table">
      <thead><tr><th scope="col">#</th><th scope="col">Ticket</th><th scope="col">Subject</th><th scope="col">Category</th><th scope="col">Urgency</th><th scope="col">Confidence</th><th scope="col">Routing</th><th scope="col">Waiting</th><th scope="col">Correct category</th></tr></thead>
      <tbody></tbody>
    </table>
    <p class="empty" id="review-empty">Nothing in review.</p>
    <p class="error" id="review-error" role="alert"></p>
  </section>
</main>
</body>
</html>
`;

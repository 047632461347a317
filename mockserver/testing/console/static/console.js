// The ledger-mock console: plain JavaScript, no build step, no framework.
//
// Every value from the mock (notes, journal targets, keys, messages) goes into
// the page through textContent or DOM properties, never innerHTML: request
// targets and notes are attacker text. The page holds no data of its own; it
// reads the endpoint (the ledger table), the control API (keys, faults, drift)
// and the console's JSON (journal, balance, export), the latter two with the
// control token once the user gave one (sessionStorage, this tab only).
"use strict";

(() => {
  const ENDPOINT = "/api/v1/me/billing/transactions";
  const CONTROL = "/__mock";
  const QUERY_PARAMS = ["page", "page_size", "kind", "since", "until"]; // the contract's order
  const LINK_PARAMS = ["key", "kind", "page", "page_size", "since", "until"];
  const TOKEN_STORAGE = "ledger-mock.control-token";
  const POLL_MS = 500;
  // console.js runs first (its data calls start at once); the chart library is the
  // next deferred script, evaluated before DOMContentLoaded.
  const chartLibrary = window.uPlot
    ? Promise.resolve()
    : new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
  const JOURNAL_KEEP = 500;
  const JOURNAL_PAGE = 200; // entries per journal read
  const JOURNAL_ROUNDS = 3; // reads per poll while a burst is being caught up

  const byId = (testid) => document.querySelector(`[data-testid="${testid}"]`);
  const ui = {
    main: byId("console"),
    key: byId("key-picker"),
    kind: byId("kind-filter"),
    since: byId("since"),
    until: byId("until"),
    page: byId("page"),
    pageSize: byId("page-size"),
    prev: byId("page-prev"),
    next: byId("page-next"),
    reload: byId("reload"),
    error: byId("query-error"),
    total: byId("total"),
    curl: byId("curl"),
    rawToggle: byId("raw-json-toggle"),
    raw: byId("raw-json"),
    table: byId("ledger-table"),
    tableEmpty: byId("table-empty"),
    chart: byId("balance-chart"),
    chartNote: byId("chart-note"),
    journal: byId("journal"),
    journalEmpty: byId("journal-empty"),
    journalKey: byId("journal-key-filter"),
    showConsole: byId("journal-show-console"),
    journalClear: byId("journal-clear"),
    status: byId("control-status"),
    faultKind: byId("fault-kind"),
    faultCount: byId("fault-count"),
    faultShare: byId("fault-share"),
    faultRetryAfter: byId("fault-retry-after"),
    faultLatency: byId("fault-latency-ms"),
    faultInject: byId("fault-inject"),
    faultsActive: byId("faults-active"),
    faultsNone: byId("faults-none"),
    faultsClear: byId("faults-clear"),
    faultRequests: byId("fault-request-count"),
    driftHoldBack: byId("drift-hold-back"),
    driftPerRequest: byId("drift-per-request"),
    driftStart: byId("drift-start"),
    driftStop: byId("drift-stop"),
    driftStatus: byId("drift-status"),
    exportFormat: byId("export-format"),
    exportDownload: byId("export-download"),
    dialog: byId("token-dialog"),
    tokenInput: byId("control-token"),
    tokenForm: byId("token-form"),
    tokenError: byId("token-error"),
  };
  const inputs = {
    kind: ui.kind,
    since: ui.since,
    until: ui.until,
    page: ui.page,
    page_size: ui.pageSize,
  };

  const state = {
    query: {}, // key, kind, page, page_size, since, until: a string, or null when not sent
    keys: [],
    loadSeq: 0,
    lastPage: null, // the last answer's page, page_size and total (for the pager)
    balances: new Map(), // key -> {account, count, points} or {error}
    plot: null,
    plotKey: null,
    window: [null, null],
    journal: { generation: null, after: -1, entries: [] },
  };

  // ---------------------------------------------------------------- helpers

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // 1234567.5 -> "1,234,567.5" (no Intl: its first use costs tens of milliseconds)
  function grouped(value) {
    const [whole, fraction] = String(value).split(".");
    const digits = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return fraction === undefined ? digits : `${digits}.${fraction}`;
  }

  function shellQuote(text) {
    return `'${String(text).replace(/'/g, "'\\''")}'`;
  }

  // Percent-encoding as a form would, but ':' kept readable in the curl line.
  function encodeValue(value) {
    return encodeURIComponent(value).replace(/%3A/gi, ":");
  }

  function queryString(query, names) {
    return names
      .filter((name) => query[name] !== null && query[name] !== undefined)
      .map((name) => `${name}=${encodeValue(query[name])}`)
      .join("&");
  }

  function describeError(body, status) {
    const error = body && typeof body === "object" ? body.error : null;
    if (!error || typeof error !== "object") return `HTTP ${status}`;
    const param = error.param === null || error.param === undefined ? "" : `, param ${error.param}`;
    return `${error.message} (${error.type}${param})`;
  }

  function setStatus(text, isError) {
    ui.status.textContent = text;
    ui.status.classList.toggle("is-error", Boolean(isError));
  }

  // ------------------------------------------------- control token and calls

  let tokenWaiter = null;

  function askToken(wasWrong) {
    if (tokenWaiter) return tokenWaiter;
    tokenWaiter = new Promise((resolve) => {
      ui.tokenError.hidden = !wasWrong;
      ui.tokenError.textContent = wasWrong ? "That token was refused; try again." : "";
      ui.tokenInput.value = "";
      const save = (event) => {
        event.preventDefault(); // the form is never sent: the token stays in this tab
        const token = ui.tokenInput.value.trim();
        if (!token) {
          ui.tokenError.hidden = false;
          ui.tokenError.textContent = "Enter the control token.";
          return;
        }
        sessionStorage.setItem(TOKEN_STORAGE, token);
        ui.tokenInput.value = ""; // kept in this tab's storage only, not left in the page
        ui.tokenForm.removeEventListener("submit", save);
        ui.dialog.close();
        tokenWaiter = null;
        resolve();
      };
      ui.tokenForm.addEventListener("submit", save);
      if (!ui.dialog.open) ui.dialog.showModal();
      ui.tokenInput.focus();
    });
    return tokenWaiter;
  }

  // A call to the control API (or the console's JSON): with the token once given;
  // a 401 opens the token dialog (one for every call waiting) and retries.
  async function control(path, options = {}) {
    for (;;) {
      const token = sessionStorage.getItem(TOKEN_STORAGE);
      const headers = new Headers(options.headers || {});
      if (token) headers.set("Authorization", `Bearer ${token}`);
      const response = await fetch(CONTROL + path, { ...options, headers, cache: "no-store" });
      if (response.status !== 401) return response;
      if (token && sessionStorage.getItem(TOKEN_STORAGE) === token) {
        sessionStorage.removeItem(TOKEN_STORAGE);
      }
      await askToken(Boolean(token));
    }
  }

  async function controlJson(path, options) {
    const response = await control(path, options);
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    return { ok: response.ok, status: response.status, body, response };
  }

  ui.dialog.addEventListener("cancel", (event) => event.preventDefault()); // the token is needed

  // ------------------------------------------------------------- deep links

  function readLink() {
    const params = new URLSearchParams(window.location.search);
    const query = {};
    for (const name of LINK_PARAMS) {
      const value = params.get(name);
      query[name] = value === null || value === "" ? null : value;
    }
    return query;
  }

  function writeLink() {
    const text = queryString(state.query, LINK_PARAMS);
    const url = window.location.pathname + (text ? `?${text}` : "");
    window.history.replaceState(null, "", url);
  }

  function showQueryInInputs() {
    for (const [name, input] of Object.entries(inputs)) {
      input.value = state.query[name] === null ? "" : state.query[name];
    }
    if (state.query.key !== null) ui.key.value = state.query.key;
  }

  function readInputs(changed) {
    for (const [name, input] of Object.entries(inputs)) {
      const value = input.value.trim() === "" ? null : input.value;
      state.query[name] = value;
    }
    state.query.key = ui.key.value || null;
    if (changed !== "page") {
      state.query.page = null;
      ui.page.value = "";
    }
  }

  function sameQuery(a, b) {
    return LINK_PARAMS.every((name) => a[name] === b[name]);
  }

  function apply(changed, force) {
    const before = { ...state.query };
    readInputs(changed);
    if (!force && sameQuery(before, state.query)) return;
    writeLink();
    load();
  }

  // ------------------------------------------------------------------ keys

  // Short enough to show whole in the picker; the rest is the option's title.
  function keyLabel(row) {
    const revoked = row.status === "revoked" ? " · revoked" : "";
    return `${row.key} · ${grouped(row.size)} entries${revoked}`;
  }

  function keyTitle(row) {
    const revoked = row.status === "revoked" ? ", revoked" : "";
    return `${row.key}: account ${row.account}, scenario ${row.scenario}, ${grouped(row.size)} entries${revoked}`;
  }

  async function loadKeys() {
    const { ok, status, body } = await controlJson("/keys");
    if (!ok || !body || !Array.isArray(body.keys)) {
      setStatus(`cannot list the keys: ${describeError(body, status)}`, true);
      return;
    }
    state.keys = body.keys;
    performance.mark("ledger-console:keys");
    ui.key.replaceChildren();
    for (const row of state.keys) {
      const option = el("option", null, keyLabel(row));
      option.value = row.key;
      option.title = keyTitle(row);
      ui.key.append(option);
      const filter = el("option", null, `${row.key} (${row.account})`);
      filter.value = row.key;
      ui.journalKey.append(filter);
    }
    const known = state.keys.some((row) => row.key === state.query.key);
    if (state.query.key !== null && !known) {
      const option = el("option", null, `${state.query.key} — not a key of this mock`);
      option.value = state.query.key;
      ui.key.append(option);
    }
    if (state.query.key === null && state.keys.length) {
      state.query.key = state.keys[0].key;
    }
    if (state.query.key !== null) ui.key.value = state.query.key;
  }

  // ----------------------------------------------------------------- ledger

  function money(value) {
    const number = Number(value);
    const sign = number < 0 ? "-" : number > 0 ? "+" : "";
    return `${sign}${Math.abs(number).toFixed(2)}`;
  }

  function sourceText(item) {
    const source = item.source && typeof item.source === "object" ? item.source : {};
    switch (item.kind) {
      case "topup":
        return [source.provider, source.method, source.receipt_id].filter(Boolean).join(" · ");
      case "refund":
        return [source.model, source.request_id].filter(Boolean).join(" · ");
      case "admin_credit":
      case "admin_debit":
        return source.actor || "";
      case "subscription_renew":
        return `${source.plan} plan · ${source.period_start} → ${source.period_end}`;
      default:
        return JSON.stringify(source);
    }
  }

  function renderRows(items) {
    const body = ui.table.tBodies[0];
    const rows = items.map((item) => {
      const tr = document.createElement("tr");
      tr.dataset.id = String(item.id);
      const amount = Number(item.amount_usd);
      const cells = [
        [String(item.id), "num"],
        [item.created_at, "mono"],
        [item.kind, `kind kind-${item.kind}`],
        [money(amount), amount < 0 ? "num debit" : "num credit"],
        [Number(item.balance_after_usd).toFixed(2), "num"],
        [sourceText(item), "source"],
        [item.note === null ? "—" : item.note, item.note === null ? "note muted" : "note"],
      ];
      for (const [text, className] of cells) tr.append(el("td", className, text));
      return tr;
    });
    body.replaceChildren(...rows);
  }

  function showQueryError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
  }

  async function loadTable(seq, key, query) {
    const text = queryString(query, QUERY_PARAMS);
    const target = ENDPOINT + (text ? `?${text}` : "");
    ui.curl.textContent =
      `curl -H ${shellQuote(`Authorization: Bearer ${key ?? "<key>"}`)} ` +
      shellQuote(window.location.origin + target);
    let response;
    let raw;
    try {
      const headers = { "X-Ledger-Console": "1" };
      if (key !== null) headers.Authorization = `Bearer ${key}`;
      response = await fetch(target, { headers, cache: "no-store" });
      raw = await response.text();
    } catch (error) {
      if (seq !== state.loadSeq) return false;
      renderRows([]);
      ui.total.textContent = "";
      ui.tableEmpty.hidden = true;
      ui.raw.textContent = "";
      state.lastPage = null;
      showQueryError(`the request failed: ${error.message} (a dropped connection?)`);
      return false;
    }
    if (seq !== state.loadSeq) return false;
    ui.raw.textContent = raw;
    let body = null;
    try {
      body = JSON.parse(raw);
    } catch (error) {
      body = null;
    }
    if (response.ok && body && Array.isArray(body.items)) {
      showQueryError("");
      renderRows(body.items);
      ui.total.textContent = String(body.total);
      ui.tableEmpty.textContent = body.items.length
        ? ""
        : body.total
          ? `Page ${body.page} is past the last page (${body.total} entries match).`
          : "No entries match this query.";
      ui.tableEmpty.hidden = body.items.length > 0;
      performance.mark("ledger-console:table");
      state.lastPage = { page: body.page, pageSize: body.page_size, total: body.total };
      return true;
    }
    renderRows([]);
    ui.total.textContent = "";
    ui.tableEmpty.hidden = true;
    state.lastPage = null;
    const retry = response.headers.get("Retry-After");
    const after = retry === null ? "" : ` · Retry-After: ${retry}`;
    showQueryError(`${response.status}: ${describeError(body, response.status)}${after}`);
    return false;
  }

  // ------------------------------------------------------------------ chart

  // An RFC 3339 instant or a bare date -> epoch seconds (what the endpoint accepted).
  function epochSeconds(text) {
    if (text === null) return null;
    let value = text.trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) value += "T00:00:00Z";
    else if (!/([zZ]|[+-]\d{2}:\d{2})$/.test(value)) value += "Z";
    const millis = Date.parse(value.replace(/t/, "T").replace(/z$/, "Z"));
    return Number.isNaN(millis) ? null : millis / 1000;
  }

  function chartNote(text) {
    ui.chartNote.textContent = text;
    ui.chartNote.hidden = !text;
  }

  function drawWindow(plot) {
    const [start, end] = state.window;
    if (start === null && end === null) return;
    const scale = plot.scales.x;
    const from = Math.max(start ?? scale.min, scale.min);
    const to = Math.min(end ?? scale.max, scale.max);
    if (!(to > from)) return;
    const left = plot.valToPos(from, "x", true);
    const right = plot.valToPos(to, "x", true);
    const { ctx, bbox } = plot;
    ctx.save();
    ctx.fillStyle = "rgba(217, 119, 6, 0.14)";
    ctx.fillRect(left, bbox.top, right - left, bbox.height);
    ctx.strokeStyle = "rgba(217, 119, 6, 0.8)";
    ctx.lineWidth = 1;
    for (const x of [start === null ? null : left, end === null ? null : right]) {
      if (x === null) continue;
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
    }
    ctx.restore();
  }

  function chartWidth() {
    return Math.max(280, Math.floor(ui.chart.getBoundingClientRect().width) || 600);
  }

  function drawChart(key, data) {
    const points = data.points;
    if (state.plot && state.plotKey === key) {
      state.plot.redraw(false);
      return;
    }
    if (state.plot) {
      state.plot.destroy();
      state.plot = null;
    }
    ui.chart.replaceChildren();
    state.plotKey = key;
    ui.chart.dataset.points = String(points.length);
    if (!points.length) {
      chartNote("This wallet has no entries.");
      return;
    }
    chartNote("");
    const xs = points.map((p) => p[0]);
    const lows = points.map((p) => p[1]);
    const highs = points.map((p) => p[2]);
    // A point is a span's start: the last span runs on to the newest entry, so the
    // step is carried to data.last and the scale reaches it.
    const end = typeof data.last === "number" ? data.last : xs[xs.length - 1];
    if (end > xs[xs.length - 1]) {
      xs.push(end);
      lows.push(lows[lows.length - 1]);
      highs.push(highs[highs.length - 1]);
    }
    const usd = (u, values) => values.map((v) => `$${grouped(v)}`);
    const stepped = window.uPlot.paths.stepped({ align: 1 }); // a balance holds until the next entry
    const money2 = (u, v) => (v === null ? "–" : `$${v.toFixed(2)}`);
    const options = {
      width: chartWidth(),
      height: 220,
      scales: { x: { time: true } },
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      series: [
        {},
        { label: "min balance", stroke: "#1d4ed8", width: 1.5, paths: stepped, value: money2 },
        { label: "max balance", stroke: "#1d4ed8", width: 1.5, paths: stepped, value: money2 },
      ],
      bands: [{ series: [2, 1], fill: "rgba(29, 78, 216, 0.18)" }],
      axes: [{}, { values: usd, size: 90 }],
      hooks: { draw: [drawWindow] },
    };
    state.plot = new window.uPlot(options, [xs, lows, highs], ui.chart);
    performance.mark("ledger-console:chart");
  }

  async function balanceOf(key) {
    if (state.balances.has(key)) return state.balances.get(key);
    const { ok, status, body } = await controlJson(
      `/console/api/balance?key=${encodeURIComponent(key)}`,
    );
    const data = ok && body && Array.isArray(body.points) ? body : { error: describeError(body, status) };
    if (ok) state.balances.set(key, data);
    return data;
  }

  async function loadChart(seq, key) {
    if (key === null) return;
    const [data] = await Promise.all([balanceOf(key), chartLibrary]);
    if (seq !== state.loadSeq) return;
    if (data.error) {
      if (state.plot) state.plot.destroy();
      state.plot = null;
      state.plotKey = null;
      ui.chart.replaceChildren();
      ui.chart.dataset.points = "0";
      chartNote(`No chart: ${data.error}`);
      return;
    }
    drawChart(key, data);
  }

  function setWindow(valid, query) {
    const start = valid ? epochSeconds(query.since) : null;
    const end = valid ? epochSeconds(query.until) : null;
    state.window = [start, end];
    ui.chart.dataset.windowStart = start === null ? "" : String(start);
    ui.chart.dataset.windowEnd = end === null ? "" : String(end);
    const data = state.balances.get(query.key);
    if (state.plot && data && data.points.length && (start !== null || end !== null)) {
      // The entries' own first and last instants, not the first and last span starts.
      const first = typeof data.first === "number" ? data.first : data.points[0][0];
      const last = typeof data.last === "number" ? data.last : data.points[data.points.length - 1][0];
      const outside = (start !== null && start > last) || (end !== null && end <= first);
      chartNote(outside ? "The since/until window lies outside this history." : "");
    } else if (state.plot) {
      chartNote("");
    }
  }

  // ------------------------------------------------------------------- load

  async function load() {
    const seq = ++state.loadSeq;
    const query = { ...state.query };
    ui.main.dataset.ready = "false";
    // The window is marked as asked; it is taken back if the endpoint refuses the query,
    // so the chart is drawn once in the usual case.
    setWindow(true, query);
    const [tableOk] = await Promise.all([
      loadTable(seq, query.key, query),
      loadChart(seq, query.key).catch((error) => chartNote(`No chart: ${error.message}`)),
    ]);
    if (seq !== state.loadSeq) return;
    const marked = state.window[0] !== null || state.window[1] !== null;
    setWindow(tableOk, query);
    if (state.plot && marked && !tableOk) state.plot.redraw(false);
    ui.main.dataset.ready = "true";
    performance.mark("ledger-console:ready"); // what a benchmark reads (docs/console.md)
  }

  // ---------------------------------------------------------------- journal

  function keyText(key) {
    if (!key) return "no key";
    if (key.status === "unknown") return `unknown key #${key.fingerprint.slice(0, 6)}`;
    const revoked = key.status === "revoked" ? ", revoked key" : "";
    return `${key.redacted} #${key.fingerprint.slice(0, 6)} (account ${key.account}${revoked})`;
  }

  function statusClass(status) {
    if (status === null) return "st st-dropped";
    if (status >= 500) return "st st-5xx";
    if (status >= 400) return "st st-4xx";
    return "st st-2xx";
  }

  function gapRow(entry) {
    const li = el("li", "entry gap", `${entry.gap} request(s) not shown: they came faster than the page reads`);
    li.dataset.testid = "journal-gap";
    li.dataset.skipped = String(entry.gap);
    return li;
  }

  function journalRow(entry) {
    if (entry.gap !== undefined) return gapRow(entry);
    const li = el("li", entry.console ? "entry from-console" : "entry");
    li.dataset.journalId = String(entry.id);
    li.dataset.status = entry.status === null ? "dropped" : String(entry.status);
    if (entry.hint) li.classList.add("near-miss");
    const head = el("div", "entry-head");
    head.append(
      el("span", statusClass(entry.status), entry.status === null ? "drop" : entry.status),
      el("span", "method", entry.method),
      el("code", "target", entry.target),
    );
    const meta = el("div", "entry-meta");
    const parts = [`#${entry.id}`, `+${Number(entry.at).toFixed(3)} s`, keyText(entry.key), `${entry.latency_ms} ms`];
    if (entry.error) {
      parts.push(entry.error.param ? `${entry.error.type} · param ${entry.error.param}` : entry.error.type);
    }
    if (entry.fault) parts.push(`fault: ${entry.fault}`);
    if (entry.injected_latency_ms) parts.push(`injected ${entry.injected_latency_ms} ms`);
    if (entry.console) parts.push("console");
    meta.textContent = parts.join(" · ");
    li.append(head, meta);
    if (entry.hint) {
      const hint = el("p", "hint", entry.hint);
      hint.dataset.testid = "journal-hint";
      li.append(hint);
    }
    return li;
  }

  function visible(entry) {
    return entry.gap !== undefined || ui.showConsole.checked || !entry.console;
  }

  function renderJournal() {
    const rows = state.journal.entries.filter(visible).map(journalRow);
    ui.journal.replaceChildren(...rows);
    ui.journalEmpty.hidden = rows.length > 0;
  }

  function resetJournal() {
    state.journal = { generation: null, after: -1, entries: [] };
    renderJournal();
  }

  // After the first read (the newest JOURNAL_PAGE), the page reads what is new
  // oldest first, page after page, so a burst is shown whole. Further behind than
  // the page keeps, it jumps to the newest and says how many it did not show.
  async function pollJournal() {
    const journal = state.journal;
    for (let round = 0; round < JOURNAL_ROUNDS; round += 1) {
      const ascending = journal.after >= 0;
      const params = new URLSearchParams({
        after: String(journal.after),
        limit: String(JOURNAL_PAGE),
        order: ascending ? "asc" : "desc",
      });
      if (ui.journalKey.value) params.set("key", ui.journalKey.value);
      const { ok, body } = await controlJson(`/console/api/journal?${params}`);
      if (!ok || !body || journal !== state.journal) return;
      if (journal.generation !== null && body.generation !== journal.generation) {
        resetJournal(); // cleared (reset): ids start again; the next poll reads it whole
        return;
      }
      journal.generation = body.generation;
      if (ascending && body.latest - journal.after > JOURNAL_KEEP) {
        // Too far behind to show it all: the newest, and a line for the rest.
        const newest = await controlJson(`/console/api/journal?${jumpParams(journal)}`);
        if (!newest.ok || !newest.body || journal !== state.journal) return;
        if (newest.body.generation !== journal.generation) return;
        const fresh = newest.body.entries.filter((entry) => entry.id > journal.after);
        if (fresh.length) {
          const skipped = fresh[fresh.length - 1].id - journal.after - 1;
          addJournal(journal, fresh, skipped);
        }
        return;
      }
      const entries = ascending ? body.entries.slice().reverse() : body.entries; // newest first
      const fresh = entries.filter((entry) => entry.id > journal.after);
      if (fresh.length) addJournal(journal, fresh, 0);
      if (!ascending || body.entries.length < JOURNAL_PAGE) return;
    }
  }

  function jumpParams(journal) {
    const params = new URLSearchParams({ after: String(journal.after), limit: String(JOURNAL_PAGE) });
    if (ui.journalKey.value) params.set("key", ui.journalKey.value);
    return params;
  }

  // fresh: newest first. skipped: requests between the last shown and these, not shown.
  function addJournal(journal, fresh, skipped) {
    journal.after = fresh[0].id;
    const added = skipped > 0 ? fresh.concat([{ gap: skipped, id: `gap-${fresh[fresh.length - 1].id}` }]) : fresh;
    journal.entries = added.concat(journal.entries).slice(0, JOURNAL_KEEP);
    const rows = added.filter(visible).map(journalRow);
    if (journal.entries.length === JOURNAL_KEEP) {
      renderJournal();
    } else if (rows.length) {
      ui.journal.prepend(...rows);
      ui.journalEmpty.hidden = true;
    }
  }

  async function clearJournal() {
    const { ok, status, body } = await controlJson("/journal", { method: "DELETE" });
    setStatus(ok ? "Journal cleared." : `Cannot clear the journal: ${describeError(body, status)}`, !ok);
    resetJournal();
  }

  // --------------------------------------------------------- faults, drift

  function faultText(fault) {
    const parts = [fault.kind];
    if (fault.nth && fault.nth.length) {
      const nth = fault.nth;
      const contiguous = nth[nth.length - 1] - nth[0] === nth.length - 1;
      parts.push(contiguous && nth.length > 1 ? `requests ${nth[0]}–${nth[nth.length - 1]}` : `request ${nth.join(", ")}`);
    } else if (fault.fraction !== null && fault.fraction !== undefined) {
      parts.push(`share ${fault.fraction} (seed ${fault.seed})`);
    } else {
      parts.push("every request");
    }
    if (fault.kind === "rate_limit" || fault.kind === "unavailable") parts.push(`Retry-After ${fault.retry_after} s`);
    if (fault.kind === "latency") parts.push(`${Math.round(fault.delay * 1000)} ms`);
    return parts.join(" · ");
  }

  async function refreshFaults() {
    const { ok, body } = await controlJson("/faults");
    if (!ok || !body) return;
    const items = body.faults.map((fault) => {
      const li = el("li", "fault", faultText(fault));
      li.dataset.faultKind = fault.kind;
      return li;
    });
    ui.faultsActive.replaceChildren(...items);
    ui.faultsNone.hidden = items.length > 0;
    const count = body.request_count;
    ui.faultRequests.textContent = `(${count} request${count === 1 ? "" : "s"} counted since the last clear)`;
  }

  async function refreshDrift() {
    const { ok, body } = await controlJson("/drift");
    if (!ok || !body) return;
    ui.driftStatus.textContent = body.active
      ? `on: ${body.hold_back} newest entries held back, ${body.per_request} revealed per request, ${body.served} served`
      : "off";
    ui.driftStatus.classList.toggle("is-on", Boolean(body.active));
  }

  function numberOrText(text) {
    const trimmed = text.trim();
    return trimmed !== "" && !Number.isNaN(Number(trimmed)) ? Number(trimmed) : trimmed;
  }

  async function injectFault() {
    const kind = ui.faultKind.value;
    const fault = { kind };
    const share = ui.faultShare.value.trim();
    if (share !== "") {
      fault.fraction = numberOrText(share);
    } else {
      const count = Number(ui.faultCount.value.trim() || "1");
      if (!Number.isInteger(count) || count < 1 || count > 1000) {
        setStatus("Next N requests must be an integer from 1 to 1000 (or give a share).", true);
        return;
      }
      fault.nth = Array.from({ length: count }, (_, i) => i + 1);
    }
    if (kind === "rate_limit") fault.retry_after = numberOrText(ui.faultRetryAfter.value || "1");
    if (kind === "latency") {
      const ms = numberOrText(ui.faultLatency.value || "500");
      fault.delay = typeof ms === "number" ? ms / 1000 : ms;
    }
    const { ok, status, body } = await controlJson("/faults", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(fault),
    });
    if (ok) {
      const scope = fault.nth ? `the next ${fault.nth.length} request${fault.nth.length > 1 ? "s" : ""}` : `a share of ${fault.fraction} of requests`;
      setStatus(`Injected ${kind} for ${scope}.`, false);
    } else {
      setStatus(`Fault refused: ${describeError(body, status)}`, true);
    }
    await refreshFaults();
  }

  async function clearFaults() {
    const { ok, status, body } = await controlJson("/faults", { method: "DELETE" });
    setStatus(ok ? "Faults cleared." : `Cannot clear: ${describeError(body, status)}`, !ok);
    await refreshFaults();
  }

  async function startDrift() {
    const settings = {
      hold_back: numberOrText(ui.driftHoldBack.value || "5"),
      per_request: numberOrText(ui.driftPerRequest.value || "1"),
    };
    const { ok, status, body } = await controlJson("/drift", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(settings),
    });
    setStatus(ok ? "Drift started." : `Drift refused: ${describeError(body, status)}`, !ok);
    await refreshDrift();
  }

  async function stopDrift() {
    const { ok, status, body } = await controlJson("/drift", { method: "DELETE" });
    setStatus(ok ? "Drift stopped." : `Cannot stop drift: ${describeError(body, status)}`, !ok);
    await refreshDrift();
  }

  // ----------------------------------------------------------------- export

  function attachmentName(response, fallback) {
    const header = response.headers.get("Content-Disposition") || "";
    const match = /filename="?([^";]+)"?/.exec(header);
    return match ? match[1] : fallback;
  }

  async function download() {
    const fmt = ui.exportFormat.value;
    const query = { ...state.query, format: fmt };
    const text = queryString(query, ["key", "kind", "since", "until", "format"]);
    setStatus(`Exporting ${fmt}…`, false);
    const response = await control(`/console/api/export?${text}`);
    if (!response.ok) {
      let body = null;
      try {
        body = await response.json();
      } catch (error) {
        body = null;
      }
      setStatus(`Export refused: ${describeError(body, response.status)}`, true);
      return;
    }
    const blob = await response.blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = attachmentName(response, `ledger.${fmt}`);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    setStatus(`Exported ${link.download} (${grouped(blob.size)} bytes).`, false);
  }

  // ------------------------------------------------------------------ wiring

  function guarded(action) {
    return () =>
      action().catch((error) => setStatus(`Failed: ${error.message}`, true));
  }

  function wire() {
    ui.key.addEventListener("change", () => apply("key"));
    for (const [name, input] of Object.entries(inputs)) {
      input.addEventListener("change", () => apply(name));
      if (input.tagName === "INPUT") {
        input.addEventListener("keydown", (event) => {
          if (event.key === "Enter") {
            event.preventDefault();
            apply(name);
          }
        });
      }
    }
    ui.prev.addEventListener("click", () => {
      const page = state.lastPage ? state.lastPage.page : Number(state.query.page || 1);
      if (!(page > 1)) return;
      ui.page.value = String(page - 1);
      apply("page");
    });
    ui.next.addEventListener("click", () => {
      const page = state.lastPage ? state.lastPage.page : Number(state.query.page || 1);
      ui.page.value = String((Number.isFinite(page) ? page : 1) + 1);
      apply("page");
    });
    ui.reload.addEventListener("click", () => apply("reload", true));
    ui.rawToggle.addEventListener("click", () => {
      ui.raw.hidden = !ui.raw.hidden;
      ui.rawToggle.setAttribute("aria-expanded", String(!ui.raw.hidden));
      ui.rawToggle.textContent = ui.raw.hidden ? "Show raw JSON" : "Hide raw JSON";
    });
    ui.journalKey.addEventListener("change", () => {
      resetJournal();
      pollJournal().catch(() => {});
    });
    ui.showConsole.addEventListener("change", renderJournal);
    ui.journalClear.addEventListener("click", guarded(clearJournal));
    ui.faultInject.addEventListener("click", guarded(injectFault));
    ui.faultsClear.addEventListener("click", guarded(clearFaults));
    ui.driftStart.addEventListener("click", guarded(startDrift));
    ui.driftStop.addEventListener("click", guarded(stopDrift));
    ui.exportDownload.addEventListener("click", guarded(download));
    if (window.ResizeObserver) {
      new ResizeObserver(() => {
        if (state.plot) state.plot.setSize({ width: chartWidth(), height: 220 });
      }).observe(ui.chart);
    }
  }

  async function poll() {
    let tick = 0;
    for (;;) {
      try {
        await pollJournal();
        if (tick % 2 === 0) await Promise.all([refreshFaults(), refreshDrift()]);
      } catch (error) {
        // the mock went away or restarted: keep polling, quietly
      }
      tick += 1;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async function start() {
    state.query = readLink();
    if (state.query.key !== null) {
      // Until the key list answers (it may need the control token), the link's key.
      const option = el("option", null, state.query.key);
      option.value = state.query.key;
      ui.key.append(option);
    }
    showQueryInInputs();
    wire();
    if (state.query.key !== null) {
      // A deep link names its key: the ledger need not wait for the key list.
      await Promise.all([loadKeys(), load()]);
    } else {
      await loadKeys();
      await load();
    }
    poll();
  }

  start().catch((error) => {
    setStatus(`The console failed to start: ${error.message}`, true);
    ui.main.dataset.ready = "true";
  });
})();

// oktabot sandbox page: a Slack-like workspace beside an Okta panel. Plain
// script, no framework, no build step. Everything the bot shows is drawn
// by renderBlocks from the Block Kit it sent.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { me: "", channel: "C0INCIDENT", people: [], names: {}, channels: {}, bot: "", lastMessages: "", lastModal: "", lastHome: "", lastPhones: "", polls: 0 };

// ---------------------------------------------------------------- helpers

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "html") el.innerHTML = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

// ---------------------------------------------------------------- mrkdwn

const EMOJI = {
  warning: "⚠️", no_entry: "⛔", white_check_mark: "✅", hourglass: "⌛", hourglass_flowing_sand: "⏳",
  information_source: "ℹ️", grey_question: "❔", no_entry_sign: "🚫", lock: "🔒", pushpin: "📌", x: "❌", key: "🔑",
  white_circle: "⚪", large_green_circle: "🟢", large_yellow_circle: "🟡", large_orange_circle: "🟠",
  black_circle: "⚫", red_circle: "🔴", electric_plug: "🔌", construction: "🚧", thread: "🧵", snail: "🐌",
  memo: "📝", gear: "⚙️", busts_in_silhouette: "👥", bust_in_silhouette: "👤", house: "🏠", mag: "🔍",
  bell: "🔔", tada: "🎉", wave: "👋", eyes: "👀", clock1: "🕐", page_facing_up: "📄", link: "🔗",
  iphone: "📱", closed_lock_with_key: "🔐", rotating_light: "🚨", ballot_box_with_check: "☑️", stopwatch: "⏱️", question: "❓",
};

function emoji(s) {
  return s.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
}

// specialToken renders Slack's <…> forms: mentions, channels, dates, links.
function specialToken(inner) {
  const [target, label] = splitOnce(inner, "|");
  if (target.startsWith("@")) {
    const id = target.slice(1);
    return `<span class="mention">@${esc(label || state.names[id] || id)}</span>`;
  }
  if (target.startsWith("#D")) return `<span class="mention">a direct message</span>`;
  if (target.startsWith("#")) {
    const id = target.slice(1);
    return `<span class="mention">#${esc(label || state.channels[id] || id)}</span>`;
  }
  if (target.startsWith("!subteam^")) return `<span class="mention">@${esc(label || target.slice(9))}</span>`;
  if (target.startsWith("!date^")) {
    const [, ts] = target.split("^");
    const d = new Date(Number(ts) * 1000);
    return `<time datetime="${esc(d.toISOString())}" title="${esc(label || "")}">${esc(isNaN(d) ? label : d.toLocaleString())}</time>`;
  }
  if (target.startsWith("!")) return `<b>@${esc(target.slice(1))}</b>`;
  if (/^(https?:|mailto:)/i.test(target)) {
    return `<a href="${esc(decodeEntities(target))}" target="_blank" rel="noopener noreferrer">${label ? label : esc(target)}</a>`;
  }
  return esc("<" + inner + ">");
}

function splitOnce(s, sep) {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ""] : [s.slice(0, i), s.slice(i + 1)];
}

function decodeEntities(s) {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

// safeText keeps Slack's three entities and escapes everything else.
function safeText(s) {
  return esc(decodeEntities(s));
}

function inlineFormat(s) {
  // s is already HTML-safe; code spans are taken out first.
  const codes = [];
  s = s.replace(/`([^`\n]+)`/g, (m, c) => { codes.push(c); return `\u0000${codes.length - 1}\u0000`; });
  s = s.replace(/(^|[\s(>\u0001])\*([^*\n]+)\*(?=$|[\s.,;:!?)<\u0001])/g, "$1<b>$2</b>");
  s = s.replace(/(^|[\s(>\u0001])_([^_\n]+)_(?=$|[\s.,;:!?)<\u0001])/g, "$1<i>$2</i>");
  s = s.replace(/(^|[\s(>\u0001])~([^~\n]+)~(?=$|[\s.,;:!?)<\u0001])/g, "$1<s>$2</s>");
  s = emoji(s);
  return s.replace(/\u0000(\d+)\u0000/g, (m, i) => `<code>${codes[Number(i)]}</code>`);
}

// mrkdwn renders Slack's markup to HTML. Code blocks and <…> tokens are
// set aside first, so that formatting spans them and never enters them.
function mrkdwn(text) {
  const saved = [];
  const keep = (html) => { saved.push(html); return `\u0001${saved.length - 1}\u0001`; };
  let s = String(text).replace(/```([\s\S]*?)```/g, (m, c) => keep(`<pre class="code">${safeText(c)}</pre>`));
  s = s.replace(/<([^<>]+)>/g, (m, inner) => keep(specialToken(inner)));
  s = inlineFormat(safeText(s));
  s = s.split("\n").map((line) => line.startsWith("&gt; ") ? `<blockquote>${line.slice(5)}</blockquote>` : line).join("<br>");
  return s.replace(/\u0001(\d+)\u0001/g, (m, i) => saved[Number(i)]);
}

function textObj(t) {
  if (!t) return h("span");
  if (t.type === "mrkdwn") return h("span", { class: "bk-text", html: mrkdwn(t.text) });
  return h("span", { class: "bk-text", html: emoji(esc(t.text)) });
}

function plain(t) {
  return t ? t.text : "";
}

// ---------------------------------------------------------------- Block Kit
//
// One renderer per type. sandbox's Go test (TestPageRendersEveryBlockKitType)
// reads the keys of BLOCKS and ELEMENTS and fails when the bot emits a type
// that is not here. ctx: { surface: "message"|"modal"|"home", message, view }.

const BLOCKS = {
  header(b) {
    return h("div", { class: "bk-header" }, textObj(b.text));
  },
  section(b, ctx) {
    const el = h("div", { class: "bk-section" });
    const main = h("div", { class: "bk-text" });
    if (b.text) main.append(textObj(b.text));
    if (b.fields) main.append(h("div", { class: "bk-fields" }, b.fields.map((f) => h("div", {}, textObj(f)))));
    el.append(main);
    if (b.accessory) el.append(renderElement(b.accessory, b, ctx));
    return el;
  },
  context(b, ctx) {
    return h("div", { class: "bk-context" }, (b.elements || []).map((e) => renderElement(e, b, ctx)));
  },
  divider() {
    return h("hr", { class: "bk-divider" });
  },
  actions(b, ctx) {
    return h("div", { class: "bk-actions" }, (b.elements || []).map((e) => renderElement(e, b, ctx)));
  },
  image(b) {
    return h("div", { class: "bk-image" }, b.title ? h("div", {}, plain(b.title)) : null, h("img", { src: b.image_url, alt: b.alt_text }));
  },
  input(b, ctx) {
    const id = `in-${b.block_id}`;
    const wrap = h("div", { class: "bk-input", "data-block": b.block_id, "data-optional": b.optional ? "1" : "" },
      h("label", { for: id }, plain(b.label), b.optional ? h("span", { class: "optional" }, " (optional)") : null));
    const el = renderElement(b.element, b, { ...ctx, inputID: id });
    wrap.append(el);
    if (b.hint) wrap.append(h("div", { class: "hint" }, plain(b.hint)));
    wrap.append(h("div", { class: "field-error" }));
    return wrap;
  },
  rich_text(b) {
    const txt = (b.elements || []).flatMap((s) => (s.elements || []).map((e) => e.text || e.url || (e.user_id ? "@" + (state.names[e.user_id] || e.user_id) : ""))).join("");
    return h("div", { class: "bk-text" }, txt);
  },
};

const ELEMENTS = {
  mrkdwn(e) {
    return textObj(e);
  },
  plain_text(e) {
    return textObj(e);
  },
  image(e) {
    return h("img", { src: e.image_url, alt: e.alt_text });
  },
  button(e, block, ctx) {
    const cls = "bk-button" + (e.style ? " " + e.style : "");
    return h("button", {
      type: "button", class: cls, "data-action": e.action_id, "data-label": plain(e.text),
      onclick: () => clickButton(e, block, ctx),
    }, emoji(plain(e.text)));
  },
  overflow(e, block, ctx) {
    const sel = h("select", { "data-action": e.action_id, onchange: (ev) => {
      const o = e.options.find((x) => x.value === ev.target.value);
      if (o) clickButton({ ...e, text: o.text }, block, ctx);
    } }, h("option", { value: "" }, "⋯"), e.options.map((o) => h("option", { value: o.value }, plain(o.text))));
    return sel;
  },
  plain_text_input(e, block, ctx) {
    const attrs = { id: ctx.inputID, type: "text", "data-action": e.action_id, "data-type": e.type, placeholder: plain(e.placeholder),
      minlength: e.min_length, maxlength: e.max_length };
    // Slack shows what is typed; a field for a password is masked here as
    // its label asks, so that a screenshot never shows one.
    if (/password/i.test(e.action_id + " " + block.block_id)) attrs.type = "password";
    if (e.multiline) {
      const t = h("textarea", { ...attrs, rows: 3 });
      t.value = e.initial_value || "";
      return t;
    }
    const i = h("input", attrs);
    i.value = e.initial_value || "";
    return i;
  },
  checkboxes(e, block, ctx) {
    const chosen = new Set((e.initial_options || []).map((o) => o.value));
    return h("div", { class: "bk-checks", "data-action": e.action_id, "data-type": e.type, id: ctx.inputID },
      e.options.map((o) => h("label", {}, h("input", { type: "checkbox", value: o.value, checked: chosen.has(o.value) }), " ", textObj(o.text),
        o.description ? h("span", { class: "desc" }, plain(o.description)) : null)));
  },
  radio_buttons(e, block, ctx) {
    const name = "r-" + block.block_id + "-" + e.action_id;
    return h("div", { class: "bk-checks", "data-action": e.action_id, "data-type": e.type, id: ctx.inputID },
      e.options.map((o) => h("label", {}, h("input", { type: "radio", name, value: o.value, checked: e.initial_option && e.initial_option.value === o.value }), " ", textObj(o.text))));
  },
  static_select(e, block, ctx) {
    return selectFor(e, ctx, false);
  },
  multi_static_select(e, block, ctx) {
    return selectFor(e, ctx, true);
  },
  external_select(e, block, ctx) {
    return typeahead(e, ctx, false);
  },
  multi_external_select(e, block, ctx) {
    return typeahead(e, ctx, true);
  },
};

function allOptions(e) {
  return (e.options || []).concat(...(e.option_groups || []).map((g) => g.options));
}

function selectFor(e, ctx, multi) {
  const chosen = new Set((multi ? e.initial_options || [] : e.initial_option ? [e.initial_option] : []).map((o) => o.value));
  const sel = h("select", { id: ctx.inputID, "data-action": e.action_id, "data-type": e.type, multiple: multi, size: multi ? Math.min(6, allOptions(e).length) : undefined });
  if (!multi) sel.append(h("option", { value: "" }, plain(e.placeholder) || "Choose…"));
  const add = (parent, o) => parent.append(h("option", { value: o.value, selected: chosen.has(o.value) }, plain(o.text)));
  (e.options || []).forEach((o) => add(sel, o));
  (e.option_groups || []).forEach((g) => {
    const og = h("optgroup", { label: plain(g.label) });
    g.options.forEach((o) => add(og, o));
    sel.append(og);
  });
  return sel;
}

// typeahead is an external select: what is typed goes to the bot
// (block_suggestion) once min_query_length characters are there.
function typeahead(e, ctx, multi) {
  const chosen = (multi ? e.initial_options || [] : e.initial_option ? [e.initial_option] : []).slice();
  const wrap = h("div", { class: "bk-typeahead", "data-action": e.action_id, "data-type": e.type });
  const chips = h("div", { class: "chosen" });
  const input = h("input", { id: ctx.inputID, type: "text", placeholder: plain(e.placeholder) || "Type to search…" });
  const list = h("ul", { hidden: true });
  const minLen = e.min_query_length === undefined ? 3 : e.min_query_length;
  wrap.selected = () => chosen;
  const draw = () => {
    chips.replaceChildren(...chosen.map((o, i) => h("span", { class: "chip" }, plain(o.text),
      h("button", { type: "button", "aria-label": "remove", onclick: () => { chosen.splice(i, 1); draw(); } }, "×"))));
  };
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const typed = input.value;
    if (typed.length < minLen) { list.hidden = true; return; }
    timer = setTimeout(async () => {
      try {
        const r = await api("POST", "/api/modal/suggest", { as: state.me, view_id: ctx.view.id, action_id: e.action_id, typed });
        const ack = r.ack || {};
        const opts = (ack.options || []).concat(...(ack.option_groups || []).map((g) => g.options));
        list.replaceChildren(...(opts.length ? opts.map((o) => h("li", { "data-value": o.value, onclick: () => {
          if (multi) { if (!chosen.some((c) => c.value === o.value)) chosen.push(o); } else { chosen.splice(0, chosen.length, o); }
          input.value = ""; list.hidden = true; draw();
        } }, plain(o.text))) : [h("li", {}, "No results")]));
        list.hidden = false;
      } catch (err) {
        list.replaceChildren(h("li", { class: "error" }, err.message));
        list.hidden = false;
      }
    }, 250);
  });
  draw();
  wrap.append(chips, input, list);
  return wrap;
}

function renderElement(e, block, ctx) {
  const r = ELEMENTS[e.type];
  if (!r) return h("span", { class: "bk-unknown" }, `[the page cannot show a ${e.type} element]`);
  return r(e, block, ctx);
}

// renderBlocks draws a list of blocks; the one place Block Kit is drawn.
function renderBlocks(blocks, ctx) {
  return (blocks || []).map((b) => {
    const r = BLOCKS[b.type];
    if (!r) return h("div", { class: "bk-unknown" }, `[the page cannot show a ${b.type} block]`);
    const el = r(b, ctx);
    el.dataset.blockId = b.block_id || "";
    el.classList.add("bk-" + b.type);
    return el;
  });
}

// ---------------------------------------------------------------- buttons and confirmations

function confirmDialog(c) {
  return new Promise((resolve) => {
    $("#confirm-title").textContent = plain(c.title);
    $("#confirm-text").innerHTML = c.text.type === "mrkdwn" ? mrkdwn(c.text.text) : esc(c.text.text);
    const ok = $("#confirm-ok");
    ok.textContent = plain(c.confirm) || "Yes";
    ok.className = c.style === "danger" ? "danger-confirm" : "primary";
    $("#confirm-deny").textContent = plain(c.deny) || "Cancel";
    $("#confirm-backdrop").hidden = false;
    const done = (v) => { $("#confirm-backdrop").hidden = true; ok.onclick = null; $("#confirm-deny").onclick = null; resolve(v); };
    ok.onclick = () => done(true);
    $("#confirm-deny").onclick = () => done(false);
  });
}

async function clickButton(e, block, ctx) {
  if (ctx.surface === "home") {
    showCommandError("Buttons in the Home tab are not wired up in the sandbox.");
    return;
  }
  if (e.confirm && !(await confirmDialog(e.confirm))) return;
  if (e.url) window.open(e.url, "_blank", "noopener");
  try {
    if (ctx.surface === "modal") {
      await api("POST", "/api/modal/click", { as: state.me, view_id: ctx.view.id, label: plain(e.text) });
    } else {
      await api("POST", "/api/click", { as: state.me, channel: ctx.message.channel, ts: ctx.message.ts, label: plain(e.text) });
    }
  } catch (err) {
    showCommandError(err.message);
  }
  refresh();
}

// ---------------------------------------------------------------- modal

function modalValues() {
  const values = {};
  let missing = false;
  for (const wrap of document.querySelectorAll("#modal-body .bk-input")) {
    const block = wrap.dataset.block;
    const el = wrap.querySelector("[data-action]");
    if (!el) continue;
    const action = el.dataset.action;
    let v;
    switch (el.dataset.type) {
      case "checkboxes":
        v = [...el.querySelectorAll("input:checked")].map((i) => i.value);
        break;
      case "radio_buttons":
        v = (el.querySelector("input:checked") || {}).value || "";
        break;
      case "multi_static_select":
        v = [...el.selectedOptions].map((o) => o.value);
        break;
      case "external_select":
        v = el.selected().length ? { selected_option: el.selected()[0] } : { selected_option: null };
        break;
      case "multi_external_select":
        v = el.selected();
        break;
      default:
        v = el.value;
    }
    const empty = v === "" || (Array.isArray(v) && v.length === 0) || (v && v.selected_option === null);
    wrap.classList.remove("invalid");
    wrap.querySelector(".field-error").textContent = "";
    if (empty && !wrap.dataset.optional) {
      // Slack's client does not send a form with a required field empty.
      wrap.classList.add("invalid");
      wrap.querySelector(".field-error").textContent = "Please complete this required field.";
      missing = true;
    }
    (values[block] = values[block] || {})[action] = v;
  }
  return missing ? null : values;
}

function showModalErrors(errors) {
  for (const wrap of document.querySelectorAll("#modal-body .bk-input")) {
    const msg = errors[wrap.dataset.block];
    wrap.classList.toggle("invalid", !!msg);
    wrap.querySelector(".field-error").textContent = msg || "";
  }
}

async function submitModal() {
  const view = state.modal;
  if (!view) return;
  $("#modal-error").textContent = "";
  const values = modalValues();
  if (!values) return;
  try {
    const r = await api("POST", "/api/modal/submit", { as: state.me, view_id: view.id, values });
    if (r.ack && r.ack.response_action === "errors") showModalErrors(r.ack.errors || {});
  } catch (err) {
    $("#modal-error").textContent = err.message;
  }
  refresh();
}

async function closeModal() {
  if (!state.modal) return;
  try {
    await api("POST", "/api/modal/close", { as: state.me, view_id: state.modal.id });
  } catch (err) {
    $("#modal-error").textContent = err.message;
  }
  refresh();
}

function drawModal(view) {
  const key = view ? view.id + JSON.stringify(view.blocks) + view.title : "";
  if (key === state.lastModal) return;
  state.lastModal = key;
  state.modal = view || null;
  $("#modal-backdrop").hidden = !view;
  if (!view) return;
  $("#modal-title").textContent = view.title;
  $("#modal-body").replaceChildren(...renderBlocks(view.blocks, { surface: "modal", view }));
  $("#modal-error").textContent = "";
  $("#modal-submit").textContent = view.submit;
  $("#modal-submit").hidden = !view.submit;
  $("#modal-close").textContent = view.close || "Cancel";
}

// ---------------------------------------------------------------- workspace

function initials(name) {
  return name.split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase();
}

function drawMessages(msgs) {
  const key = state.me + state.channel + JSON.stringify(msgs);
  if (key === state.lastMessages) return;
  state.lastMessages = key;
  const box = $("#messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const items = msgs.map((m) => {
    const ctx = { surface: "message", message: { channel: state.channel, ts: m.ts } };
    const body = h("div", { class: "body" });
    if (m.file) {
      body.append(h("div", { class: "bk-text", html: mrkdwn(m.file.comment || "") }),
        h("div", { class: "file" }, h("span", { class: "icon" }, "CSV"),
          h("div", {}, h("b", {}, m.file.title || m.file.name), h("div", {}, `${m.file.size} bytes · `,
            h("a", { href: `/api/files/${encodeURIComponent(m.file.id)}?as=${encodeURIComponent(state.me)}`, download: m.file.name, class: "download" }, "Download")))));
    } else if (m.blocks && m.blocks.length) {
      body.append(...renderBlocks(m.blocks, ctx));
    } else {
      body.append(h("div", { class: "bk-text", html: m.typed ? esc(m.text) : mrkdwn(m.text) }));
    }
    if (m.ephemeral && !m.typed) body.append(h("div", { class: "ephemeral-note" }, "👁 Only visible to you"));
    if (m.typed) body.append(h("div", { class: "ephemeral-note" }, "You typed this command; Slack shows it to nobody"));
    const name = m.bot ? "oktabot" : m.name || state.names[m.author] || m.author;
    const reply = m.thread_ts && m.thread_ts !== m.ts;
    return h("div", { class: "msg" + (m.ephemeral ? " ephemeral" : "") + (m.typed ? " typed" : "") + (reply ? " reply" : ""), "data-ts": m.ts || "" },
      h("div", { class: "avatar" + (m.bot ? " bot" : "") }, m.bot ? "ok" : initials(name)),
      h("div", {}, h("div", { class: "msg-head" }, h("b", {}, name), m.bot ? h("span", { class: "app" }, "APP") : null,
        h("time", {}, new Date(m.at).toLocaleTimeString())), body));
  });
  if (!items.length) items.push(h("p", { class: "note" }, "No messages yet. Type /okta help below, or pick a story in Things to try, on the right."));
  box.replaceChildren(...items);
  if (atBottom || true) box.scrollTop = box.scrollHeight;
}

function drawHome(view) {
  const key = JSON.stringify(view || null);
  if (key === state.lastHome) return;
  state.lastHome = key;
  $("#home").replaceChildren(...(view ? renderBlocks(view.blocks, { surface: "home", view }) : [h("p", { class: "note" }, "Opening the Home tab…")]));
}

function drawChannels(chans) {
  const link = (c) => h("a", { href: "#", "data-channel": c.id, class: c.id === state.channel ? "active" : "",
    onclick: (ev) => { ev.preventDefault(); select(c.id); } }, c.dm ? "💬 " + c.name : "# " + c.name);
  $("#channels").replaceChildren(...chans.filter((c) => !c.dm).map(link));
  $("#dms").replaceChildren(...chans.filter((c) => c.dm).map(link));
  $("#nav-home").className = state.channel === "home" ? "active" : "";
  state.visible = chans;
}

function drawProblems(list) {
  const box = $("#problems");
  box.hidden = !list.length;
  box.replaceChildren(h("b", {}, "Real Slack or Okta would have refused this:"), h("ul", {}, list.map((p) => h("li", {}, p))));
}

let polling = false;
async function refresh() {
  if (!state.me || polling) return;
  polling = true;
  try {
    const v = await api("GET", `/api/view?as=${encodeURIComponent(state.me)}&channel=${encodeURIComponent(state.channel)}`);
    drawChannels(v.channels);
    const home = state.channel === "home";
    $("#messages").hidden = home;
    $("#composer").hidden = home;
    $("#home").hidden = !home;
    const chan = v.channels.find((c) => c.id === state.channel);
    $("#channel-name").textContent = home ? "oktabot" : chan ? (chan.dm ? chan.name : "# " + chan.name) : state.channel;
    $("#channel-note").textContent = home ? "Home" : chan && chan.dm ? "direct messages with the app" : "";
    if (home) drawHome(v.home); else drawMessages(v.messages || []);
    drawModal(v.modal);
    drawProblems(v.problems || []);
    drawClock(v.clock);
  } catch (err) {
    showCommandError(err.message);
  } finally {
    polling = false;
    // How many times the page has drawn what the server says (the browser
    // test waits for a fresh one).
    document.body.dataset.polls = String(++state.polls);
  }
}

function showCommandError(msg) {
  $("#command-error").textContent = msg;
}

async function select(channel) {
  state.channel = channel;
  state.lastMessages = "";
  state.lastHome = "";
  location.hash = `as=${state.me}&channel=${channel}`;
  if (channel === "home") {
    drawHome(null);
    try { await api("POST", "/api/home", { as: state.me }); } catch (err) { showCommandError(err.message); }
  }
  refresh();
}

async function sendCommand(ev) {
  ev.preventDefault();
  const input = $("#command");
  const text = input.value.trim();
  if (!text) return;
  showCommandError("");
  if (!text.startsWith("/okta")) {
    showCommandError("Only /okta is installed here: try /okta help");
    return;
  }
  input.value = "";
  try {
    await api("POST", "/api/command", { as: state.me, channel: state.channel, text });
  } catch (err) {
    showCommandError(err.message);
  }
  refresh();
}

// ---------------------------------------------------------------- the clock

function drawClock(c) {
  if (!c) return;
  const now = new Date(c.now);
  $("#clock-now").textContent = now.toLocaleString(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  $("#clock-ahead").textContent = c.ahead > 0 ? `(${ahead(c.ahead)} ahead)` : "";
}

function ahead(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600), m = Math.floor((seconds % 3600) / 60);
  return [d && `${d} d`, h && `${h} h`, m && `${m} min`].filter(Boolean).join(" ") || "<1 min";
}

// skip moves the time of the bot, Slack and Okta forward together.
async function skip(d) {
  $("#clock-error").textContent = "";
  try {
    drawClock(await api("POST", "/api/clock", { skip: d }));
  } catch (err) {
    $("#clock-error").textContent = err.message;
  }
  refresh();
  refreshPhones();
}

// ---------------------------------------------------------------- phones
//
// Every Okta Verify push shows here as on its owner's phone: the numbers to
// pick from (never which is right: the caller reads it out), and "No, it's
// not me".

const RESULTS = { SUCCESS: "✅ Approved", REJECTED: "❌ Denied", TIMEOUT: "⌛ Timed out: no answer" };

async function refreshPhones() {
  try {
    const r = await api("GET", "/api/phones");
    drawPhones(r.pushes);
  } catch (err) {
    $("#phone-error").textContent = err.message;
  }
}

function drawPhones(pushes) {
  const key = JSON.stringify(pushes.map((p) => [p.id, p.result, Math.ceil(p.expires_in / 10)]));
  if (key === state.lastPhones) return;
  state.lastPhones = key;
  $("#phones").classList.toggle("ringing", pushes.some((p) => p.result === "WAITING"));
  if (!pushes.length) {
    $("#push-list").replaceChildren(h("p", { class: "note" }, "No push waiting. The Okta Verify pushes the bot sends (a reset's proof, an approver's step-up, verify-user) appear here, on their owner's phone."));
    return;
  }
  $("#push-list").replaceChildren(...pushes.map((p) => {
    const waiting = p.result === "WAITING";
    const answer = (body) => async () => {
      $("#phone-error").textContent = "";
      try { await api("POST", "/api/phones/answer", { id: p.id, ...body }); } catch (err) { $("#phone-error").textContent = err.message; }
      state.lastPhones = "";
      refreshPhones();
      refresh();
    };
    return h("div", { class: "push" + (waiting ? " waiting" : " done"), "data-login": p.login, "data-result": p.result },
      h("div", { class: "push-head" }, h("span", {}, h("b", {}, p.name), ` · ${p.device}`), h("span", { class: "note" }, p.login)),
      waiting ? [
        h("div", {}, "Okta Verify: ", h("b", {}, "Are you trying to sign in?")),
        h("div", { class: "note" }, p.client),
        p.choices.length ? h("div", {}, "Tap the number you were told:") : null,
        h("div", { class: "push-actions" },
          p.choices.length
            ? p.choices.map((n) => h("button", { type: "button", class: "number", "data-number": n, onclick: answer({ number: n }) }, String(n)))
            : h("button", { type: "button", class: "number", "data-number": 0, onclick: answer({ number: 0 }) }, "Yes, it's me"),
          h("button", { type: "button", class: "deny", onclick: answer({ deny: true }) }, "No, it's not me")),
        h("div", { class: "note" }, `expires in ${Math.floor(p.expires_in / 60)}:${String(p.expires_in % 60).padStart(2, "0")}`),
      ] : h("div", { class: "push-result" }, RESULTS[p.result] || p.result));
  }));
}

// ---------------------------------------------------------------- things to try

function personOf(id) {
  return state.people.find((p) => p.id === id);
}

function channelLabel(step) {
  if (step.channel === "dm") return "their messages with oktabot";
  if (step.channel === "home") return "the Home tab";
  return "#" + (state.channels[step.channel] || step.channel);
}

function drawTour(stories) {
  $("#tour").hidden = !(stories && stories.length);
  $("#tour-stories").replaceChildren(...(stories || []).map((story) => h("div", { class: "story" },
    h("h3", {}, story.title),
    h("ol", {}, story.steps.map((st) => {
      const who = personOf(st.as);
      const name = who ? who.real_name.split(" ")[0] : st.as;
      const go = async () => {
        await become(st.as, st.channel === "dm" ? (who && who.dm) : st.channel);
        if (st.command) {
          $("#command").value = st.command;
          $("#command").focus();
        }
        if (st.skip) await skip(st.skip);
      };
      return h("li", { class: "step" },
        h("button", { type: "button", class: "try", onclick: go, "data-command": st.command || "", "data-skip": st.skip || "" },
          st.skip ? `⏩ +${st.skip.replace(/m$/, " min").replace(/h$/, " h")}` : st.command ? "Try" : "Go"),
        h("span", {}, h("b", {}, name), st.channel ? ` in ${channelLabel(st)}` : "", st.command ? [": ", h("code", {}, st.command)] : "",
          h("span", { class: "step-text", html: " — " + mrkdwn(st.text) })));
    })))));
}

// ---------------------------------------------------------------- Okta panel

async function refreshOkta() {
  try {
    const o = await api("GET", "/api/okta");
    state.okta = o;
    $("#call-count").textContent = `(${o.calls.length})`;
    const calls = o.calls.slice(-200).reverse();
    $("#calls tbody").replaceChildren(...calls.map((c) => h("tr", { class: c.status >= 400 || c.status === 0 ? "err" : "" },
      h("td", {}, new Date(c.at).toLocaleTimeString()), h("td", {}, c.method),
      h("td", { class: "path" }, c.path + (c.query ? "?" + c.query : ""), c.operation ? h("div", { class: "note" }, c.operation) : null),
      h("td", {}, c.status || "—", c.error_code ? " " + c.error_code : ""), h("td", {}, c.ms))));
    drawUsers();
    $("#logs").textContent = o.logs.join("\n");
  } catch (err) {
    $("#call-count").textContent = err.message;
  }
}

function drawUsers() {
  const o = state.okta;
  if (!o) return;
  const f = $("#user-filter").value.toLowerCase();
  const users = o.users.filter((u) => !f || [u.name, u.login, u.status, u.roles.join(" "), u.department].join(" ").toLowerCase().includes(f));
  $("#user-count").textContent = `(${o.users.length})`;
  $("#users tbody").replaceChildren(...users.map((u) => h("tr", { "data-login": u.login },
    h("td", {}, u.name, h("div", { class: "note" }, [u.title, u.department].filter(Boolean).join(", "))),
    h("td", {}, u.login), h("td", {}, h("span", { class: "status " + u.status }, u.status)), h("td", {}, u.roles.join(", ")))));
}

async function applyFaults() {
  try {
    await api("POST", "/api/okta/faults", {
      latency_ms: Number($("#latency").value) || 0,
      rate_limit: Number($("#ratelimit").value) || 0,
      throttled: Number($("#throttled").value) || 0,
    });
  } catch (err) {
    alert(err.message);
  }
}

// ---------------------------------------------------------------- start

let become = async () => {};

async function start() {
  const ws = await api("GET", "/api/workspace");
  state.people = ws.people;
  state.bot = ws.bot.id;
  state.channels = ws.channels;
  state.names[ws.bot.id] = "oktabot";
  for (const p of ws.people) state.names[p.id] = p.real_name;
  const params = new URLSearchParams(location.hash.slice(1));
  state.me = params.get("as") || ws.people[0].id;
  const firstChannel = Object.keys(ws.channels).find((id) => ws.channels[id] === "incident") || Object.keys(ws.channels)[0];
  state.channel = params.get("channel") || firstChannel;
  const sel = $("#person");
  sel.replaceChildren(...ws.people.map((p) => h("option", { value: p.id, selected: p.id === state.me }, `${p.real_name} — ${p.title}`)));
  const showRole = () => {
    const p = ws.people.find((x) => x.id === state.me);
    $("#person-role").textContent = p ? `${p.role}${p.groups && p.groups.length ? " · groups " + p.groups.join(", ") : ""}` : "";
  };
  showRole();
  sel.addEventListener("change", () => {
    state.me = sel.value;
    state.lastModal = "";
    showRole();
    // Their own direct messages and Home tab are not the last person's.
    select(state.channel === "home" || state.channel.startsWith("D") ? firstChannel : state.channel);
  });
  // become is being someone, somewhere (the walkthrough's steps).
  become = async (id, channel) => {
    if (id !== state.me) {
      sel.value = id;
      state.me = id;
      state.lastModal = "";
      showRole();
    }
    await select(channel || (state.channel === "home" || state.channel.startsWith("D") ? firstChannel : state.channel));
  };
  $("#nav-home").addEventListener("click", (ev) => { ev.preventDefault(); select("home"); });
  $("#composer").addEventListener("submit", sendCommand);
  $("#modal-submit").addEventListener("click", submitModal);
  $("#modal-close").addEventListener("click", closeModal);
  $("#modal-x").addEventListener("click", closeModal);
  $("#apply-faults").addEventListener("click", applyFaults);
  $("#user-filter").addEventListener("input", drawUsers);
  for (const b of document.querySelectorAll("#clock button[data-skip]")) b.addEventListener("click", () => skip(b.dataset.skip));
  drawTour(ws.tour);
  await select(state.channel);
  setInterval(refresh, 700);
  refreshOkta();
  setInterval(refreshOkta, 1500);
  refreshPhones();
  setInterval(refreshPhones, 1000);
  document.body.dataset.ready = "1";
}

start().catch((err) => { document.body.textContent = "The sandbox page could not start: " + err.message; });

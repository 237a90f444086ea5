// The web chat. Talks to POST /api/chat; keeps the session id in sessionStorage, so a reload keeps the
// conversation (POST /api/chat/history restores it) but closing the tab forgets it (shared computers); listens to
// GET /api/chat/events (server-sent events) for replies that arrive later: an officer's message, a late answer
// after the assistant was briefly down. The stream is opened with a single-use ticket (POST
// /api/chat/events/ticket): the session id never goes in a URL. "End conversation" ends it on the server and
// clears the page. Every message from the server carries its transcript id, and each id is shown once, whichever
// way it arrived.
// The page's words follow the conversation's language (every reply says it), not the browser's: the page carries
// its strings in both languages (#chat-strings). The toggle (?lang=) is the only explicit choice sent to the server.
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root) { return; }
  var strings = JSON.parse(document.getElementById("chat-strings").textContent);
  var lang = root.dataset.lang;
  var log = document.getElementById("chat-messages");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var typing = document.getElementById("typing");
  var starters = document.getElementById("starters");
  var endButton = document.getElementById("end-button");
  var ended = document.getElementById("ended");
  var KEY = "rightsdesk.session";
  var lastId = 0;
  var seen = {};
  var busy = false;
  var events = null;
  var pollTimer = null;
  var opening = false;

  // Earlier versions kept the session in localStorage, where the next person on a shared computer found it.
  try { localStorage.removeItem(KEY); } catch (e) { /* private mode */ }
  function sessionId() { try { return sessionStorage.getItem(KEY); } catch (e) { return null; } }
  function setSession(id) { try { sessionStorage.setItem(KEY, id); } catch (e) { /* private mode */ } }
  function clearSession() { try { sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ } }

  function t(key) { return (strings[lang] || strings.en)[key]; }

  // Put every word of the page in ``code`` (the conversation's language).
  function setLanguage(code) {
    if (!strings[code] || code === lang) { return; }
    lang = code;
    document.documentElement.lang = code;
    document.title = document.title.replace(strings[code === "es" ? "en" : "es"].title, t("title"));
    root.dataset.lang = code;
    Array.prototype.forEach.call(document.querySelectorAll("[data-text]"), function (el) {
      el.textContent = t(el.dataset.text);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-label]"), function (el) {
      el.setAttribute("aria-label", t(el.dataset.label));
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-starter]"), function (el) {
      el.textContent = t("starter_questions")[Number(el.dataset.starter)];
    });
    input.placeholder = t("label");
    var site = t("site");
    var other = code === "es" ? "en" : "es";
    Array.prototype.forEach.call(document.querySelectorAll("[data-site]"), function (el) {
      el.textContent = site[el.dataset.site];
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-site-label]"), function (el) {
      el.setAttribute("aria-label", site[el.dataset.siteLabel]);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-href]"), function (el) {
      el.setAttribute("href", el.dataset.href.replace("{lang}", code));
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-other-language]"), function (el) {
      el.setAttribute("href", "/?lang=" + other); el.setAttribute("lang", other); el.setAttribute("hreflang", other);
    });
    Array.prototype.forEach.call(document.querySelectorAll(".lang-toggle a"), function (a) {
      if (a.getAttribute("hreflang") === code) { a.setAttribute("aria-current", "true"); } else { a.removeAttribute("aria-current"); }
    });
    Array.prototype.forEach.call(log.querySelectorAll("li[data-direction]"), function (li) {
      li.dataset.who = who(li.dataset.direction, li.dataset.from);
    });
  }

  function who(direction, from) {
    if (direction === "in") { return t("you"); }
    return from === "office" ? t("office") : t("assistant");
  }

  // A reply's text as paragraphs and lists: blank lines part paragraphs, lines starting "- " are list items.
  // Always text, never markup.
  function renderText(container, text) {
    String(text || "").split(/\n\s*\n/).forEach(function (block) {
      var list = null;
      var para = null;
      block.split("\n").forEach(function (line) {
        var item = /^\s*[-•]\s+(.*)$/.exec(line);
        if (item) {
          if (!list) { list = document.createElement("ul"); container.appendChild(list); }
          var li = document.createElement("li");
          li.textContent = item[1];
          list.appendChild(li);
          para = null;
        } else if (line.trim()) {
          list = null;
          if (!para) { para = document.createElement("p"); container.appendChild(para); para.textContent = line; }
          else { para.textContent += "\n" + line; }
        }
      });
    });
  }

  function sourcesFor(article) {
    var src = document.createElement("p");
    src.className = "sources";
    src.appendChild(document.createTextNode(t("sources") + ": "));
    article.sources.forEach(function (s, i) {
      if (i) { src.appendChild(document.createTextNode("; ")); }
      var a = document.createElement("a");
      a.href = s.url; a.textContent = s.citation; a.rel = "noopener noreferrer"; a.target = "_blank";
      var note = document.createElement("span");
      note.className = "visually-hidden"; note.textContent = " " + t("new_tab");
      a.appendChild(note);
      src.appendChild(a);
    });
    if (article.url) {
      src.appendChild(document.createTextNode(" · "));
      var more = document.createElement("a");
      more.href = article.url; more.textContent = t("read_more");
      src.appendChild(more);
    }
    return src;
  }

  // One message bubble. Text is always set as text, never as markup.
  function addMessage(m) {
    if (m.id) {
      if (seen[m.id]) { return; }
      seen[m.id] = true;
      if (m.id > lastId) { lastId = m.id; }
    }
    var direction = m.direction || "out";
    var li = document.createElement("li");
    li.className = direction + (m.from === "office" ? " office" : "");
    li.dataset.direction = direction;
    li.dataset.from = m.from || "";
    // Who wrote it: read out by screen readers (generated content), shown for the privacy office.
    li.dataset.who = who(direction, m.from);
    if (m.from === "office") {
      var label = document.createElement("span");
      label.className = "who"; label.setAttribute("aria-hidden", "true"); label.textContent = li.dataset.who;
      li.appendChild(label);
    }
    var body = document.createElement("div");
    body.className = "text";
    if (direction === "in") { body.textContent = m.text; } else { renderText(body, m.text); }
    li.appendChild(body);
    if (m.article && m.article.sources && m.article.sources.length) { li.appendChild(sourcesFor(m.article)); }
    if (direction === "out" && m.buttons && m.buttons.length) {
      var group = document.createElement("div");
      group.className = "buttons";
      group.setAttribute("role", "group");
      m.buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button"; btn.className = "quick"; btn.textContent = b.title;
        btn.addEventListener("click", function () { send(b.payload, b.title); });
        group.appendChild(btn);
      });
      li.appendChild(group);
    }
    log.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
    if (starters) { starters.hidden = true; }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    });
  }

  function setBusy(value) {
    busy = value;
    typing.hidden = !value;
    root.setAttribute("aria-busy", value ? "true" : "false");
  }

  function send(text, shown) {
    if (busy || !text.trim()) { return; }
    setBusy(true);
    ended.hidden = true;
    addMessage({ direction: "in", text: shown || text });
    var body = { text: text, session_id: sessionId() };
    if (shown && shown !== text) { body.display = shown; }
    // Only the toggle is a choice; otherwise what the family writes decides the conversation's language.
    if (root.dataset.pendingLanguage) { body.language = lang; delete root.dataset.pendingLanguage; }
    post("/api/chat", body).then(function (r) {
      if (r.status === 404) { clearSession(); stopEvents(); addMessage({ text: t("restart") }); return null; }
      if (r.status === 429) {
        // A limit: the server says so in the conversation's language.
        return r.json().then(function (d) { setLanguage(d.language); addMessage({ text: d.detail }); return null; });
      }
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (data) {
      if (!data) { return; }
      setSession(data.session_id);
      setLanguage(data.language);
      // The transcript gives each reply its id (the event stream may bring the same ones): show each once.
      return catchUp().then(function (ok) {
        if (!ok) { data.messages.forEach(function (m) { addMessage(m); }); }
        listen();
      });
    }).catch(function () {
      addMessage({ text: t("error") });
    }).finally(function () { setBusy(false); input.focus(); });
  }

  // Show the transcript's new replies; resolves to false when it could not be read.
  function catchUp() {
    var id = sessionId();
    if (!id) { return Promise.resolve(false); }
    return post("/api/chat/history", { session_id: id, after: lastId }).then(function (r) {
      if (r.status === 404) { clearSession(); stopEvents(); return null; }
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data) { return false; }
      if (!root.dataset.pendingLanguage) { setLanguage(data.language); }  // the toggle, just used, wins
      data.messages.forEach(function (m) {
        if (m.direction === "out") { addMessage(m); } else if (m.id > lastId) { lastId = m.id; }
      });
      return true;
    }).catch(function () { return false; });
  }

  function stopEvents() {
    if (events) { events.close(); events = null; }
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  // Replies that arrive later, pushed by the server. A ticket opens the stream once; when the stream ends or
  // fails, the page catches up and asks for a new ticket.
  function listen() {
    var id = sessionId();
    if (!id || events || pollTimer || opening) { return; }
    if (!window.EventSource) { pollTimer = setInterval(function () { if (!busy) { catchUp(); } }, 5000); return; }
    opening = true;
    post("/api/chat/events/ticket", { session_id: id }).then(function (r) {
      if (r.status === 404) { clearSession(); return { retry: 0 }; }
      if (!r.ok) { return { retry: r.status === 429 ? 30000 : 5000 }; }
      return r.json();
    }).then(function (data) {
      opening = false;
      if (sessionId() !== id || events) { return; }
      if (!data.ticket) { if (data.retry) { setTimeout(listen, data.retry); } return; }
      events = new EventSource("/api/chat/events?ticket=" + encodeURIComponent(data.ticket) + "&after=" + lastId);
      events.onmessage = function (e) {
        try { addMessage(JSON.parse(e.data)); } catch (err) { /* not a message */ }
      };
      events.onerror = function () {
        if (events) { events.close(); events = null; }
        catchUp().then(function () { if (sessionId() === id) { setTimeout(listen, 2000); } });
      };
    }).catch(function () { opening = false; setTimeout(listen, 5000); });
  }

  // "End conversation": the server forgets the session (and any verification); the page forgets everything.
  function endConversation() {
    var id = sessionId();
    stopEvents();
    clearSession();
    if (id) { post("/api/chat/end", { session_id: id }).catch(function () { /* ended locally anyway */ }); }
    log.textContent = "";
    seen = {};
    lastId = 0;
    input.value = "";
    if (starters) { starters.hidden = false; }
    // Said in the conversation's language; the page stays in it (the toggle is there to change it).
    ended.textContent = t("ended");
    ended.hidden = false;
    input.focus();
  }

  function restore() {
    var id = sessionId();
    if (!id) { return; }
    post("/api/chat/history", { session_id: id, after: 0 }).then(function (r) {
      if (r.status === 404) { clearSession(); return null; }
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data) { return; }
      if (!root.dataset.pendingLanguage) { setLanguage(data.language); }  // the toggle, just used, wins
      data.messages.forEach(function (m) { addMessage(m); });
      listen();
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    if (busy || !text.trim()) { return; }
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  endButton.addEventListener("click", endConversation);
  document.getElementById("person-button").addEventListener("click", function (e) {
    send(e.currentTarget.dataset.payload, t("person"));
  });
  if (starters) {
    Array.prototype.forEach.call(starters.querySelectorAll("button"), function (b) {
      b.addEventListener("click", function () { send(b.textContent, b.textContent); });
    });
  }
  // Arriving through the language toggle (?lang=) is an explicit choice for the next message; a page that took its
  // language from the browser chooses nothing.
  if (root.dataset.chosen === "true") { root.dataset.pendingLanguage = "1"; }
  restore();
})();

// The web chat: talks to POST /api/chat, keeps the session in localStorage so a reload keeps the
// conversation, and polls /api/chat/history for replies that arrive later (a delayed answer, an officer).
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root) { return; }
  var lang = root.dataset.lang;
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var typing = document.getElementById("typing");
  var KEY = "rightsdesk.session";
  var lastId = 0;
  var busy = false;

  function sessionId() { try { return localStorage.getItem(KEY); } catch (e) { return null; } }
  function setSession(id) { try { localStorage.setItem(KEY, id); } catch (e) { /* private mode */ } }
  function clearSession() { try { localStorage.removeItem(KEY); } catch (e) { /* private mode */ } }

  function addMessage(direction, text, buttons, article) {
    var li = document.createElement("li");
    li.className = direction;
    var body = document.createElement("div");
    body.textContent = text;  // never innerHTML: messages are text
    li.appendChild(body);
    if (article && article.sources && article.sources.length) {
      var src = document.createElement("p");
      src.className = "sources";
      src.appendChild(document.createTextNode(root.dataset.sources + ": "));
      article.sources.forEach(function (s, i) {
        if (i) { src.appendChild(document.createTextNode("; ")); }
        var a = document.createElement("a");
        a.href = s.url; a.textContent = s.citation; a.rel = "noopener"; a.target = "_blank";
        src.appendChild(a);
      });
      if (article.url) {
        src.appendChild(document.createTextNode(" · "));
        var more = document.createElement("a");
        more.href = article.url; more.textContent = root.dataset.readMore;
        src.appendChild(more);
      }
      li.appendChild(src);
    }
    if (buttons && buttons.length) {
      var group = document.createElement("div");
      group.className = "buttons";
      buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button"; btn.textContent = b.title;
        btn.addEventListener("click", function () { send(b.payload, b.title); });
        group.appendChild(btn);
      });
      li.appendChild(group);
    }
    log.appendChild(li);
    li.scrollIntoView({ block: "end" });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    });
  }

  function send(text, shown) {
    if (busy || !text.trim()) { return; }
    busy = true;
    addMessage("in", shown || text);
    typing.hidden = false;
    var body = { text: text, session_id: sessionId() };
    if (shown && shown !== text) { body.display = shown; }
    if (!body.session_id || root.dataset.pendingLanguage) { body.language = lang; delete root.dataset.pendingLanguage; }
    post("/api/chat", body).then(function (r) {
      if (r.status === 404) { clearSession(); addMessage("out", root.dataset.restart); return null; }
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (data) {
      if (!data) { return; }
      setSession(data.session_id);
      data.messages.forEach(function (m) { addMessage("out", m.text, m.buttons, m.article); });
      return refreshLastId();
    }).catch(function () {
      addMessage("out", root.dataset.error);
    }).finally(function () { typing.hidden = true; busy = false; input.focus(); });
  }

  function refreshLastId() {
    var id = sessionId();
    if (!id) { return Promise.resolve(); }
    return post("/api/chat/history", { session_id: id, after: lastId }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (data && data.messages.length) { lastId = data.messages[data.messages.length - 1].id; }
    });
  }

  function restore() {
    var id = sessionId();
    if (!id) { return; }
    post("/api/chat/history", { session_id: id, after: 0 }).then(function (r) {
      if (r.status === 404) { clearSession(); return null; }
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data) { return; }
      data.messages.forEach(function (m) {
        addMessage(m.direction, m.text, m.direction === "out" ? m.buttons : [], m.article);
        lastId = m.id;
      });
    });
  }

  function poll() {
    var id = sessionId();
    if (!id || busy) { return; }
    post("/api/chat/history", { session_id: id, after: lastId }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (data) {
      if (!data || busy) { return; }
      data.messages.forEach(function (m) {
        if (m.direction === "out") { addMessage("out", m.text, m.buttons, m.article); }
        lastId = m.id;
      });
    }).catch(function () { /* offline for a moment; try again on the next tick */ });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  document.getElementById("person-button").addEventListener("click", function (e) {
    send(e.currentTarget.dataset.payload, e.currentTarget.textContent);
  });
  // Arriving through the language link (?lang=) is an explicit choice for the next message.
  if (sessionId() && new URLSearchParams(location.search).get("lang")) { root.dataset.pendingLanguage = "1"; }
  restore();
  setInterval(poll, 5000);
})();

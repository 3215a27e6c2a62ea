// Counter page: ask questions, show answer cards, escalate, look up products and dossiers.
// Everything is built with DOM methods and textContent, never innerHTML, so no answer, row or
// catalogue text can inject markup. Calls go to this server only, with the session cookie
// (HttpOnly: this script never sees it) and the CSRF token from the page.
(function () {
  "use strict";

  var root = meta("schakel-root");
  var csrf = meta("csrf-token");
  var escalationUnit = meta("schakel-escalatie");
  var STATUS = { answered: "beantwoord", escalated: "doorverwezen", not_understood: "niet begrepen" };
  var HISTORY_KEY = "schakel-balie-geschiedenis";
  var MAX_ROWS = 50;
  var cardCount = 0;

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") || "" : "";
  }
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function setStatus(text, isError) {
    var s = $("vraag-status");
    s.textContent = text;
    s.classList.toggle("fout", !!isError);
  }
  function formatTime(value) {
    if (!value) return "";
    var d = new Date(value);
    if (isNaN(d.getTime())) return String(value);
    return d.toLocaleString("nl-BE", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
  }
  function graphName(iri) {
    if (!iri) return "";
    var parts = String(iri).split("/");
    return parts[parts.length - 1];
  }

  function call(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = csrf;
      options.body = JSON.stringify(body);
    }
    return fetch(root + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401) {
          window.location.assign(root + "/aanmelden?volgende=" + encodeURIComponent("/balie"));
        }
        if (!response.ok) {
          var err = new Error(data.fout || ("fout " + response.status));
          err.status = response.status;
          throw err;
        }
        return data;
      });
    });
  }

  // --- history (question texts only, this browser tab, cleared at sign-out) -----------------
  function loadHistory() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(HISTORY_KEY) || "null");
      if (saved && saved.owner === csrf.slice(0, 12) && Array.isArray(saved.items)) return saved.items;
    } catch (e) { /* ignore */ }
    return [];
  }
  function saveHistory(items) {
    try {
      sessionStorage.setItem(HISTORY_KEY, JSON.stringify({ owner: csrf.slice(0, 12), items: items.slice(0, 30) }));
    } catch (e) { /* storage full or disabled: history lives on the page only */ }
  }
  var history = loadHistory();

  function renderHistory() {
    var list = $("geschiedenis");
    list.textContent = "";
    $("geschiedenis-leeg").hidden = history.length > 0;
    history.forEach(function (item) {
      var button = el("button", { type: "button", "data-card": item.card || null }, [
        item.question,
        el("span", { className: "label label-" + item.status, text: STATUS[item.status] || item.status })
      ]);
      button.addEventListener("click", function () {
        var card = item.card && $(item.card);
        if (card) {
          card.scrollIntoView({ block: "start" });
          card.focus();
        } else {
          $("vraag").value = item.question;
          ask(item.question);
        }
      });
      list.appendChild(el("li", {}, [button]));
    });
  }

  // --- answer cards --------------------------------------------------------------------------
  function rowsTable(rows) {
    var columns = [];
    rows.slice(0, MAX_ROWS).forEach(function (row) {
      Object.keys(row).forEach(function (k) { if (columns.indexOf(k) < 0) columns.push(k); });
    });
    var caption = rows.length === 1 ? "1 rij" : rows.length + " rijen";
    if (rows.length > MAX_ROWS) caption += " (de eerste " + MAX_ROWS + " getoond)";
    var head = el("tr", {}, columns.map(function (c) { return el("th", { scope: "col", text: c }); }));
    var body = rows.slice(0, MAX_ROWS).map(function (row) {
      return el("tr", {}, columns.map(function (c) {
        var v = row[c];
        return el("td", { text: v === null || v === undefined ? "" : String(v) });
      }));
    });
    return el("div", { className: "tabel-kader" }, [
      el("table", { className: "rijen" }, [el("caption", { text: "Gegevens: " + caption }), el("thead", {}, [head]),
        el("tbody", {}, body)])
    ]);
  }

  function escalationBlock(id, question, answer) {
    var box = el("div", { className: "doorverwijzing", id: id + "-doorverwijzing" });
    function showEscalated(esc) {
      box.textContent = "";
      box.setAttribute("data-escalation-state", "escalated");
      var parts = ["Doorverwezen naar " + (esc.unit_label || esc.unit || "de bevoegde dienst")];
      if (esc.reason_label || esc.reason) parts.push("reden: " + (esc.reason_label || esc.reason));
      if (esc.record_id) parts.push("referentie " + esc.record_id);
      box.appendChild(el("p", { className: "escalatie-tekst" }, [el("strong", { text: "Doorverwijzing: " }), parts.join(" · ")]));
    }
    if (answer.escalation) {
      showEscalated(answer.escalation);
      return box;
    }
    box.setAttribute("data-escalation-state", "none");
    box.appendChild(el("p", { text: "Niet doorverwezen." }));
    var label = "Doorverwijzen" + (escalationUnit ? " naar " + escalationUnit : "");
    var button = el("button", { type: "button", className: "knop knop-waarschuwing", text: label,
      "aria-describedby": id + "-vraag" });
    button.addEventListener("click", function () {
      button.disabled = true;
      setStatus("Bezig met doorverwijzen…");
      call("POST", "/balie/api/doorverwijzen", { question: question, status: answer.status }).then(function (esc) {
        showEscalated(esc);
        setStatus("Vraag doorverwezen" + (esc.unit_label || esc.unit ? " naar " + (esc.unit_label || esc.unit) : "") + ".");
        var card = $(id);
        card.classList.remove("kaart-" + answer.status);
        card.classList.add("kaart-escalated");
        card.setAttribute("data-status", "escalated");
        var badge = card.querySelector(".kaart-kop .label");
        badge.className = "label label-escalated";
        badge.textContent = STATUS.escalated;
        history.forEach(function (h) { if (h.card === id) h.status = "escalated"; });
        saveHistory(history); renderHistory();
      }).catch(function (err) {
        button.disabled = false;
        setStatus("Doorverwijzen mislukt: " + err.message, true);
      });
    });
    box.appendChild(button);
    return box;
  }

  function answerCard(question, answer) {
    cardCount += 1;
    var id = "kaart-" + Date.now().toString(36) + "-" + cardCount;
    var meta = [];
    meta.push(new Date().toLocaleTimeString("nl-BE", { hour: "2-digit", minute: "2-digit" }));
    if (typeof answer.latency_ms === "number") meta.push(Math.round(answer.latency_ms) + " ms");
    if (typeof answer.confidence === "number") meta.push("zekerheid " + Math.round(answer.confidence * 100) + "%");
    var card = el("article", { className: "kaart kaart-" + answer.status, id: id, tabindex: "-1",
      "aria-labelledby": id + "-vraag", "data-status": answer.status }, [
      el("div", { className: "kaart-kop" }, [
        el("h3", { id: id + "-vraag", text: question }),
        el("span", { className: "label label-" + answer.status, text: STATUS[answer.status] || answer.status }),
        el("span", { className: "kaart-meta", text: meta.join(" · ") })
      ]),
      el("p", { className: "antwoord-tekst", text: answer.answer || "(geen antwoordtekst)" })
    ]);
    if (answer.status === "not_understood" && answer.reason_label) {
      card.appendChild(el("p", { className: "kaart-reden", text: "Waarom niet beantwoord: " + answer.reason_label + "." }));
    }
    if (answer.rows && answer.rows.length) card.appendChild(rowsTable(answer.rows));
    if (answer.sources && answer.sources.length) {
      card.appendChild(el("div", { className: "bronnen" }, [
        el("h4", { text: "Bronnen" }),
        el("ul", {}, answer.sources.map(function (s) {
          var text = (s.source || graphName(s.graph) || "onbekende bron");
          if (s.graph) text += " — graaf " + graphName(s.graph);
          if (s.loaded_at) text += " — geladen " + formatTime(s.loaded_at);
          return el("li", { text: text });
        }))
      ]));
    }
    if (answer.sparql) {
      card.appendChild(el("details", { className: "sparql-toggle" }, [
        el("summary", { text: "SPARQL-query tonen" }),
        el("pre", { className: "sparql" }, [el("code", { text: answer.sparql })])
      ]));
    }
    card.appendChild(escalationBlock(id, question, answer));
    return card;
  }

  var busy = false;
  function ask(question) {
    if (busy) return;
    busy = true;
    var submit = $("vraag-versturen");
    submit.disabled = true;
    setStatus("Bezig met zoeken naar een antwoord…");
    call("POST", "/balie/api/vraag", { question: question }).then(function (answer) {
      var card = answerCard(question, answer);
      var list = $("antwoorden");
      list.insertBefore(el("li", {}, [card]), list.firstChild);
      $("antwoorden-leeg").hidden = true;
      history.unshift({ question: question, status: answer.status, card: card.id });
      saveHistory(history); renderHistory();
      setStatus("Antwoord ontvangen: " + (STATUS[answer.status] || answer.status) + ". " + (answer.answer || ""));
      $("vraag").value = "";
    }).catch(function (err) {
      setStatus("Geen antwoord: " + err.message, true);
    }).then(function () {
      busy = false;
      submit.disabled = false;
    });
  }

  $("vraagformulier").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = $("vraag");
    var question = box.value.trim();
    var error = $("vraag-fout");
    if (!question) {
      error.hidden = false;
      box.setAttribute("aria-invalid", "true");
      box.focus();
      return;
    }
    error.hidden = true;
    box.removeAttribute("aria-invalid");
    ask(question);
  });
  $("vraag").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("vraagformulier").requestSubmit();
    }
  });

  // --- product lookup with autocomplete -------------------------------------------------------
  var suggestTimer = null;
  var lastSuggest = "";
  $("product").addEventListener("input", function () {
    var q = this.value.trim();
    clearTimeout(suggestTimer);
    if (q.length < 2 || q === lastSuggest) return;
    suggestTimer = setTimeout(function () {
      lastSuggest = q;
      call("GET", "/balie/api/producten?q=" + encodeURIComponent(q)).then(function (data) {
        var list = $("product-suggesties");
        list.textContent = "";
        (data.producten || []).forEach(function (p) {
          list.appendChild(el("option", { value: p.title, label: p.keyword ? "trefwoord: " + p.keyword : null }));
        });
      }).catch(function () { /* the field still works without suggestions */ });
    }, 150);
  });

  function definitionList(pairs) {
    var dl = el("dl");
    pairs.forEach(function (p) {
      if (p[1]) { dl.appendChild(el("dt", { text: p[0] })); dl.appendChild(el("dd", { text: p[1] })); }
    });
    return dl;
  }
  function listSection(title, items) {
    if (!items || !items.length) return null;
    return el("div", {}, [el("h4", { text: title }), el("ul", {}, items.map(function (t) { return el("li", { text: t }); }))]);
  }

  $("productformulier").addEventListener("submit", function (event) {
    event.preventDefault();
    var name = $("product").value.trim();
    var out = $("product-resultaat");
    if (!name) { out.textContent = ""; out.appendChild(el("p", { className: "veldfout", text: "Typ een productnaam." })); return; }
    out.textContent = "";
    out.appendChild(el("p", { className: "status", text: "Bezig met opzoeken…" }));
    call("GET", "/balie/api/product/" + encodeURIComponent(name)).then(function (p) {
      out.textContent = "";
      var link = null;
      var online = (p.channels || []).filter(function (c) { return c.url; })[0];
      if (online) link = el("p", {}, [el("a", { href: online.url, rel: "noopener noreferrer", target: "_blank", text: "Productpagina op de website (opent nieuw venster)" })]);
      out.appendChild(el("article", { className: "fiche", "aria-labelledby": "product-fiche-titel" }, [
        el("h3", { id: "product-fiche-titel", text: p.title }),
        p.description ? el("p", { text: p.description }) : null,
        definitionList([["Dienst", p.provider], ["Thema", p.theme], ["Doorlooptijd", p.processing_time]]),
        listSection("Kosten", (p.costs || []).map(function (c) { return c.amount + (c.description ? " — " + c.description : ""); })),
        listSection("Voorwaarden", p.conditions),
        listSection("Mee te brengen", (p.evidence || []).map(function (e) { return e.title + (e.description ? ": " + e.description : ""); })),
        listSection("Kanalen", (p.channels || []).map(function (c) { return (c.type ? c.type + ": " : "") + (c.description || ""); })),
        p.procedure ? el("div", {}, [el("h4", { text: "Procedure" }), el("p", { text: p.procedure })]) : null,
        link
      ]));
    }).catch(function (err) {
      out.textContent = "";
      out.appendChild(el("p", { className: "melding melding-fout", text: err.message }));
    });
  });

  // --- dossier lookup ---------------------------------------------------------------------------
  $("dossierformulier").addEventListener("submit", function (event) {
    event.preventDefault();
    var number = $("dossiernummer").value.trim();
    var out = $("dossier-resultaat");
    out.textContent = "";
    if (!number) { out.appendChild(el("p", { className: "veldfout", text: "Typ een dossiernummer." })); return; }
    out.appendChild(el("p", { className: "status", text: "Bezig met opzoeken…" }));
    call("GET", "/balie/api/dossier/" + encodeURIComponent(number)).then(function (d) {
      out.textContent = "";
      out.appendChild(el("article", { className: "fiche", "aria-labelledby": "dossier-fiche-titel" }, [
        el("h3", { id: "dossier-fiche-titel", text: "Dossier " + d.number }),
        d.description ? el("p", { text: d.description }) : null,
        definitionList([["Type", d.type], ["Status", d.status], ["Geopend", d.opened], ["Afgesloten", d.closed],
          ["Dienst", d.unit], ["Adres", d.address], ["Aanvrager", d.applicant]]),
        listSection("Stappen", (d.steps || []).map(function (s) { return formatTime(s.time) + " — " + (s.status || "?"); }))
      ]));
    }).catch(function (err) {
      out.textContent = "";
      out.appendChild(el("p", { className: "melding melding-fout", text: err.message }));
    });
  });

  var signout = $("afmeldformulier");
  if (signout) signout.addEventListener("submit", function () {
    try { sessionStorage.removeItem(HISTORY_KEY); } catch (e) { /* ignore */ }
  });

  renderHistory();
})();

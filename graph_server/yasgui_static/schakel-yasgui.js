/* Schakel's YASGUI set-up: this server's endpoint, local prefixes and vocabulary, no remote
 * services, and an optional API key sent as "Authorization: Bearer <key>". */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("schakel-yasgui-config").textContent);
  var endpoint = new URL(config.endpointPath, window.location.href).href;
  var KEY_STORAGE = config.storagePrefix + ":api-key";

  // --- API key: kept in sessionStorage (this tab only), never in YASGUI's persisted tabs.
  var keyInput = document.getElementById("schakel-api-key");
  var keyState = document.getElementById("schakel-auth-state");
  function apiKey() { return (keyInput.value || "").trim(); }
  function showKeyState() {
    keyState.textContent = apiKey() ? "sleutel wordt meegestuurd" : "anoniem (rol publiek)";
  }
  try { keyInput.value = window.sessionStorage.getItem(KEY_STORAGE) || ""; } catch (e) { /* storage off */ }
  keyInput.addEventListener("input", function () {
    try {
      if (apiKey()) { window.sessionStorage.setItem(KEY_STORAGE, apiKey()); }
      else { window.sessionStorage.removeItem(KEY_STORAGE); }
    } catch (e) { /* storage off */ }
    showKeyState();
  });
  document.getElementById("schakel-api-key-clear").addEventListener("click", function () {
    keyInput.value = "";
    keyInput.dispatchEvent(new Event("input"));
  });
  document.getElementById("schakel-auth").addEventListener("submit", function (e) { e.preventDefault(); });
  showKeyState();

  var Yasqe = Yasgui.Yasqe;

  // --- Autocompletion from this server only. PREFIX declarations: YASQE's own prefix
  // autocompleter, pointed at our prefixes.json (prefix.cc's format) instead of prefix.cc.
  Yasqe.defaults.prefixCcApi = new URL(config.prefixesUrl, window.location.href).href;

  // Classes and properties: the terms declared in ontology/, instead of LOV.
  var termsPromise = null;
  function terms() {
    if (!termsPromise) {
      termsPromise = fetch(new URL(config.termsUrl, window.location.href).href, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { classes: [], properties: [] }; })
        .catch(function () { return { classes: [], properties: [] }; });
    }
    return termsPromise;
  }
  function localTerms(kind) {
    return function (yasqe, token) {
      var wanted = (token && token.autocompletionString || "").toLowerCase();
      return terms().then(function (all) {
        return (all[kind] || []).filter(function (iri) {
          return !wanted || iri.toLowerCase().indexOf(wanted) === 0 ||
            iri.toLowerCase().replace(/^.*[#\/]/, "").indexOf(wanted.replace(/^.*[#\/:]/, "")) === 0;
        }).slice(0, 50);
      });
    };
  }
  Yasqe.forkAutocompleter("property", { name: "schakelProperty", get: localTerms("properties") }, false);
  Yasqe.forkAutocompleter("class", { name: "schakelClass", get: localTerms("classes") }, false);
  // Replace the list in place: YASGUI merges arrays index by index, so a shorter list passed
  // in the config would keep the remote autocompleters after it.
  Yasqe.defaults.autocompleters.splice(0, Yasqe.defaults.autocompleters.length,
    "prefixes", "variables", "schakelProperty", "schakelClass");

  // Result tables show prefixed names with the ontology's prefixes.
  Yasgui.Yasr.defaults.prefixes = config.prefixes;

  // The key goes on each request as it leaves, never into YASGUI's request configuration:
  // that configuration is persisted with the tabs and copied into "share" links (a headers
  // function there would put the key in the link). YASQE emits "query" with the superagent
  // request before sending it, so every tab's editor gets this hook when it is created.
  var initYasqe = Yasgui.Tab.prototype.initYasqe;
  Yasgui.Tab.prototype.initYasqe = function () {
    var result = initYasqe.apply(this, arguments);
    var yasqe = this.getYasqe();
    if (yasqe && !yasqe.schakelAuthHook) {
      yasqe.schakelAuthHook = true;
      yasqe.on("query", function (instance, request) {
        var key = apiKey();
        if (key && request && typeof request.set === "function") {
          request.set("Authorization", "Bearer " + key);
        }
      });
    }
    return result;
  };

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    corsProxy: undefined,
    // Tabs and queries are remembered per server, so a moved server never inherits stale endpoints.
    persistenceId: config.storagePrefix + ":" + window.location.host + config.endpointPath,
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: endpoint }]; },
      keys: [],
    },
    requestConfig: {
      endpoint: endpoint,
      method: "POST",
    },
    yasqe: {
      value: config.exampleQuery,
      prefixCcApi: Yasqe.defaults.prefixCcApi,
      autocompleters: ["prefixes", "variables", "schakelProperty", "schakelClass"],
    },
    yasr: { prefixes: config.prefixes },
  });
  window.schakelYasgui = yasgui;
})();

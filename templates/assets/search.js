/* briefsite: starts Pagefind's search UI on the search page (search.html). Without
   JavaScript, or when Pagefind's script did not load, the page keeps its links instead. */
(function () {
  "use strict";
  var root = document.getElementById("search");
  if (!root) return;
  // From file:// browsers refuse the modules and data Pagefind loads: say so, as when its
  // script could not load at all (no index yet in the preview, or none published).
  function unavailable() {
    document.getElementById("search-unavailable").hidden = false;
    document.getElementById("search-no-script").hidden = true;
  }
  if (typeof window.PagefindUI !== "function" || window.location.protocol === "file:") {
    unavailable();
    return;
  }
  var here = window.location.href;
  // Pagefind needs absolute addresses: the page links relatively, so the site works under any
  // sub-path, and the bundle and the site's root are found from this page's own address.
  // (Both attributes name a file in the folder wanted: with `directory_urls: false` every
  // link names a file.)
  var bundle = new URL(".", new URL(root.getAttribute("data-bundle"), here)).href;
  var base = new URL(".", new URL(root.getAttribute("data-base"), here)).pathname;
  // Pagefind keeps one index per language and searches the page's; the others join it.
  // Its index names are lower case (zh-hans): a tag as written (zh-Hans) is not found, and
  // Pagefind then merges its largest index, the page's own, again (every result twice).
  var languages = (root.getAttribute("data-languages") || "")
    .toLowerCase()
    .split(" ")
    .filter(Boolean);
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  // Pagefind's interface shows the filters that the results of a search come with, and a
  // search brings only the filters whose data has loaded: a search run before all of it has
  // (a ?q= on arrival, a quick typist, a slow connection) leaves filters out of the panel for
  // good. So the index is opened here first, every language's joined and every filter loaded,
  // and the interface starts only then. It imports the same pagefind.js, the same module, so
  // it finds this prepared index. Opened this way, a missing index is also told to the reader.
  import(bundle + "pagefind.js")
    .then(function (pagefind) {
      return pagefind
        .options({ baseUrl: base })
        .then(function () {
          return languages.reduce(function (joined, language) {
            return joined.then(function () {
              return pagefind.mergeIndex(bundle, { language: language });
            });
          }, Promise.resolve());
        })
        .then(function () {
          return pagefind.filters();
        });
    })
    .then(start, function (error) {
      unavailable();
      throw error; // (still in the console, for whoever publishes the site)
    });

  function start() {
    var ui = new window.PagefindUI({
      element: "#search",
      bundlePath: bundle,
      baseUrl: base,
      showImages: false,
      showSubResults: false,
      // Each result shows the brief's summary, as lists on the site do, rather than a snippet.
      processResult: function (result) {
        if (result.meta && result.meta.summary) {
          result.excerpt = escapeHtml(result.meta.summary);
          delete result.meta.summary; // (Pagefind's UI would list it again below)
        }
        return result;
      },
    });
    var input = root.querySelector("input");
    var label = document.querySelector(".search__label");
    if (input && label) {  // (named in the page only once the box exists: no label for nothing)
      input.id = "search-input";
      label.htmlFor = input.id;
      label.hidden = false;
    }
    document.getElementById("search-fallback").hidden = true;
    // The search box in every page's header sends its words here as ?q=.
    var words = new URLSearchParams(window.location.search).get("q");
    if (words) ui.triggerSearch(words);
  }
})();

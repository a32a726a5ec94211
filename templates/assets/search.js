/* briefsite: starts Pagefind's search UI on the search page (search.html). Without
   JavaScript, or when Pagefind's script did not load, the page keeps its links instead. */
(function () {
  "use strict";
  var root = document.getElementById("search");
  if (!root) return;
  // From file:// browsers refuse the modules and data Pagefind loads: say so, as when its
  // script could not load at all (no index yet in the preview, or none published).
  if (typeof window.PagefindUI !== "function" || window.location.protocol === "file:") {
    document.getElementById("search-unavailable").hidden = false;
    document.getElementById("search-no-script").hidden = true;
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
  var ui = new window.PagefindUI({
    element: "#search",
    bundlePath: bundle,
    baseUrl: base,
    showImages: false,
    showSubResults: false,
    mergeIndex: languages.map(function (language) {
      return { bundlePath: bundle, language: language };
    }),
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
})();
